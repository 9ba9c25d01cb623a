import Foundation
import NexusWire

/// Checkpoints of a run: `checkpoint-<iteration>.nxckpt`, written atomically, the newest
/// `keep` kept. Loading takes the newest one that decodes, so a damaged file costs one
/// checkpoint interval, not the run.
public struct CheckpointStore: Sendable {
    public let directory: String
    public let keep: Int

    public init(directory: String, keep: Int) {
        self.directory = directory
        self.keep = keep
    }

    public func save(_ checkpoint: Checkpoint) throws -> String {
        let path = directory + "/" + String(format: "checkpoint-%09llu.nxckpt", checkpoint.iteration)
        try AtomicFile.write(CheckpointFile.encode(checkpoint), to: path)
        for old in files().dropLast(keep) { try? FileManager.default.removeItem(atPath: old) }
        return path
    }

    /// Checkpoint paths, oldest first.
    public func files() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".nxckpt") }.sorted().map { directory + "/" + $0 }
    }

    /// The newest checkpoint that reads and validates, with its path.
    public func latest() throws -> (checkpoint: Checkpoint, path: String) {
        var problems: [String] = []
        for path in files().reversed() {
            do {
                return (try CheckpointFile.read(path), path)
            } catch {
                problems.append("\(path): \(error)")
            }
        }
        throw RuntimeError(problems.isEmpty ? "no checkpoint in \(directory)" : "no readable checkpoint in \(directory): \(problems.joined(separator: "; "))")
    }
}
