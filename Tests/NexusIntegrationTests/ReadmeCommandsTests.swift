import Foundation
import NexusTestKit
import Testing

/// README's command blocks marked `<!-- doc-test … -->` run as written: bash, a fresh
/// directory, `nexus` on the PATH (this build's), each command's exit status checked.
@Suite("README's commands", .serialized)
struct ReadmeCommandsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The marked blocks, in README's order.
    static func markedBlocks() throws -> [String] {
        let lines = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var blocks: [String] = []
        var index = 0
        while index < lines.count {
            if lines[index].hasPrefix("<!-- doc-test"), index + 1 < lines.count, lines[index + 1] == "```sh" {
                var block: [Substring] = []
                index += 2
                while index < lines.count, lines[index] != "```" { block.append(lines[index]); index += 1 }
                blocks.append(block.joined(separator: "\n"))
            }
            index += 1
        }
        return blocks
    }

    /// (The AIRL transfer block is not marked: its run trains to its target for as long as that
    /// takes, minutes under a loaded CI; `RewardTransferTests` runs the same steps with bounds.)
    @Test("the classic pipeline (a PPO expert, its demonstrations, BC, DAgger) runs as README writes it")
    func markedBlocksRun() throws {
        let blocks = try Self.markedBlocks()
        #expect(blocks.count == 1, "marked blocks: \(blocks.count)")
        let binaries = NexusProcess.executable.deletingLastPathComponent().path
        for block in blocks {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-readme-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = binaries + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            let (status, output) = spawnAndWait("/usr/bin/timeout", ["900", "/usr/bin/env", "-C", directory, "/bin/bash", "-euo", "pipefail", "-c", block], environment: environment)
            #expect(status == 0, "\(block)\n---\n\(output.suffix(3000))")
        }
    }
}
