import Foundation
import NexusTestKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The harness's own child processes: an end is seen when it comes, whoever else holds the
/// child's descriptors.
@Suite("Test processes")
struct TestProcessTests {
    @Test("a child whose own child lives on: its end is seen at once, with its status (Foundation's Process waits for the grandchild)")
    func endSeenDespiteGrandchild() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-testprocess-\(UUID().uuidString.prefix(8)).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        // The grandchild inherits every descriptor its parent has, as a sibling spawned at the
        // same moment once inherited Foundation's exit socket of a worker in CI.
        let child = try await TestProcess.start("/bin/sh", ["-c", "sleep 120 & echo $!; exit 3"], outputPath: output)
        let ended = await eventually(seconds: 20, every: .milliseconds(50)) { !child.isRunning }
        let grandchild = Int32(ClusterRun.read(output).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        if grandchild > 0 { kill(grandchild, SIGKILL) }
        #expect(grandchild > 0, "no pid from the child: \(ClusterRun.read(output))")
        #expect(ended, "the child's end went unseen while its own child lived")
        #expect(child.terminationStatus == 3)
    }

    @Test("NexusProcess.run returns the status and both streams of a nexus command, and stops one that outlives its timeout")
    func runToCompletion() async throws {
        let refused = try await NexusProcess.run(["train", "--workers", "-3"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("workers"), "\(refused.stderr)")
        let version = try await NexusProcess.run(["--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty, "\(version)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-testprocess-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Long enough for an expert built with ASan to have started under a loaded machine (at 2 s
        // one had not yet said anything when it was stopped: an empty stderr, 2026-12-07).
        let expert = try await NexusProcess.run(["expert", "--env", "CartPole-v1", "--bind", "ipc://\(directory)/expert"], timeout: 10)
        #expect(expert.stderr.contains("expert stopped: SIGTERM"), "\(expert.stderr)")
    }
}
