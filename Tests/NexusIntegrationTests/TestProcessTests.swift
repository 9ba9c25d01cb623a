import Foundation
import NexusTestKit
import NexusTransport
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

    @Test("a nexus process started with a soft limit of 128 descriptors raises it to the hard limit, at most 65,536 (peers and sockets each hold one)")
    func descriptorLimitRaised() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-limits-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The shell lowers the limit, says what it is, and becomes nexus.
        let command = "ulimit -Sn 128 && ulimit -Sn > '\(directory)/before' && exec '\(NexusProcess.executable.path)' expert --env CartPole-v1 --bind ipc://\(directory)/expert"
        let expert = try await TestProcess.start("/bin/sh", ["-c", command], outputPath: directory + "/log")
        defer { expert.signal(SIGKILL) }
        // "Max open files  <soft>  <hard>  files" in the process's limits, once it is nexus.
        let limits = { () -> [String] in
            guard ClusterRun.read("/proc/\(expert.pid)/comm").hasPrefix("nexus") else { return [] }
            let line = ClusterRun.read("/proc/\(expert.pid)/limits").split(separator: "\n").first { $0.hasPrefix("Max open files") } ?? ""
            return line.split(separator: " ").dropFirst(3).prefix(2).map(String.init)
        }
        let wanted = { (hard: String) in hard == "unlimited" ? ProcessTuning.descriptorCap : min(Int(hard) ?? 0, ProcessTuning.descriptorCap) }
        let raised = await eventually(seconds: 30, every: .milliseconds(50)) { let now = limits(); return now.count == 2 && Int(now[0]) == wanted(now[1]) }
        #expect(ClusterRun.read(directory + "/before").trimmingCharacters(in: .whitespacesAndNewlines) == "128")
        #expect(raised, "limits \(limits()); log: \(ClusterRun.read(directory + "/log"))")
        #expect(wanted(limits().last ?? "0") > 128, "the hard limit here leaves nothing to raise to")
        // SIGKILL: the limit is the point, not the stop (EarlyStopTests covers that).
        expert.signal(SIGKILL)
        await expert.waitUntilExit()
    }
}
