import Foundation
import NexusWire

/// Checkpoints of a run: `checkpoint-<iteration>.nxckpt`, written atomically, the newest
/// `keep` kept. Loading takes the newest one that decodes, so a damaged file costs one
/// checkpoint interval, not the run. Two fixed names a user can type whatever the run's
/// length: `latest.nxckpt` (a hard link to the newest numbered file: no second copy, and it
/// outlives that file's rotation) and `best.nxckpt` (the state at the best evaluation return
/// so far, which a run that later got worse would otherwise have rotated away).
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
        try linkLatest(to: path)
        for old in files().dropLast(keep) { try? FileManager.default.removeItem(atPath: old) }
        return path
    }

    public var latestPath: String { directory + "/" + Self.latestName }
    public var bestPath: String { directory + "/" + Self.bestName }
    public static let latestName = "latest.nxckpt"
    public static let bestName = "best.nxckpt"

    /// Writes `best.nxckpt` (atomically: a crash leaves the previous best).
    public func saveBest(_ checkpoint: Checkpoint) throws {
        try AtomicFile.write(CheckpointFile.encode(checkpoint), to: bestPath)
    }

    /// Points `latest.nxckpt` at `path`: a link under a temporary name, renamed over the old
    /// one, so a reader always finds a whole file.
    private func linkLatest(to path: String) throws {
        let temporary = latestPath + ".tmp-\(getpid())"
        unlink(temporary)
        guard link(path, temporary) == 0 else {
            // A volume without hard links (some network file systems): a copy instead.
            try AtomicFile.write(try FileBytes.read(path), to: latestPath)
            return
        }
        guard rename(temporary, latestPath) == 0 else {
            unlink(temporary)
            throw RuntimeError("cannot rename \(temporary) to \(latestPath): \(String(cString: strerror(errno)))")
        }
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
