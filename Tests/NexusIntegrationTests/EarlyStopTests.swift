import Foundation
import NexusTestKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A role stopped while it starts: every SIGTERM ends it, however early it comes.
@Suite("Stopping a role as it starts")
struct EarlyStopTests {
    /// Before the fix a SIGTERM that came between the signal being ignored and libdispatch
    /// registering its source (about 60–80 ms into an expert's start-up here, longer under
    /// load) was discarded and the role ran on: 2 of 100 under load (2026-12-07).
    @Test("SIGTERM at any moment of an expert’s start-up (10 random moments 0–270 ms in, then once it listens) ends it: killed by it before the handler exists, a clean stop after; started with it blocked, the same")
    func sigtermDuringStartUp() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-earlystop-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // SIGTERM at a random moment `delays` after the start (or, with `blocked`, after the
        // exec): the status (15: the default action, no handler yet; 0: the role's own stop),
        // nil if the signal was lost (still running 30 s later: killed then).
        let blockThenExec = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM]); os.execv(sys.argv[1], sys.argv[1:])"
        func stopEarly(_ name: String, delays: ClosedRange<Int>, blocked: Bool) async throws -> (status: Int32?, delay: Int, log: String, execed: Bool) {
            let expert = ["expert", "--env", "CartPole-v1", "--bind", "ipc://\(directory)/\(name)"]
            let process = blocked
                ? try await TestProcess.start("/usr/bin/python3", ["-c", blockThenExec, NexusProcess.executable.path] + expert, outputPath: "\(directory)/\(name).log")
                : try await TestProcess.start(NexusProcess.executable.path, expert, outputPath: "\(directory)/\(name).log")
            let execed = await eventually(seconds: 30, every: .milliseconds(2)) { !blocked || ClusterRun.read("/proc/\(process.pid)/comm").hasPrefix("nexus") }
            let delay = Int.random(in: delays)
            try await Task.sleep(for: .milliseconds(delay))
            process.signal(SIGTERM)
            let status = await process.finish(within: 30)
            return (status, delay, ClusterRun.read("\(directory)/\(name).log"), execed)
        }
        // A random moment of start-up (the handler is installed about 60–80 ms in on this
        // machine, later under a sanitiser): every run of the suite tries other moments.
        for trial in 0..<10 {
            let (status, delay, log, _) = try await stopEarly("expert-\(trial)", delays: 0...270, blocked: false)
            #expect(status == SIGTERM || status == 0, "SIGTERM \(delay) ms after start: status \(String(describing: status)) (nil: lost, still running 30 s later); log: \(log)")
        }
        // Started with SIGTERM blocked, as the launcher's children are: the signal waits until
        // Swift's async main parks the main thread in sigsuspend with an empty mask (~30 ms in
        // here), or until the handler; either way it ends the process, never lost.
        for trial in 0..<5 {
            let (status, delay, log, execed) = try await stopEarly("blocked-\(trial)", delays: 0...150, blocked: true)
            #expect(execed && (status == SIGTERM || status == 0), "blocked, SIGTERM \(delay) ms after the exec: status \(String(describing: status)); log: \(log)")
        }
        // And once it listens (however long a loaded or sanitised build takes), the stop is its own.
        let expert = try await TestProcess.start(
            NexusProcess.executable.path, ["expert", "--env", "CartPole-v1", "--bind", "ipc://\(directory)/expert-listening"],
            outputPath: "\(directory)/log-listening")
        defer { expert.signal(SIGKILL) }
        let listening = await eventually(seconds: 60, every: .milliseconds(20)) { ClusterRun.read("\(directory)/log-listening").contains("listening on") }
        expert.signal(SIGTERM)
        let status = await expert.finish(within: 30)
        let log = ClusterRun.read("\(directory)/log-listening")
        #expect(listening && status == 0 && log.contains("expert stopped: SIGTERM"), "status \(String(describing: status)); log: \(log)")
    }
}
