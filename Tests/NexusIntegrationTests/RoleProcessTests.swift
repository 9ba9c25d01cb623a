import Foundation
import NexusTestKit
import NexusTransport
import NexusWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Roles started one by one, as on several machines, and peers that misbehave.
@Suite("Role processes", .serialized)
struct RoleProcessTests {
    @Test("a worker started before the learner waits, then joins and the run reaches the target")
    func workerBeforeLearner() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-roles-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let endpoint = { (name: String) in "ipc://\(directory)/\(name)" }
        let worker = try await ClusterRun(["worker", "--learner", endpoint("control"), "--worker-id", "7"], runDirectory: directory, logName: "worker")
        #expect(await ClusterRun.waitUntil(seconds: 30) { worker.outputText.contains("no welcome from the learner") })
        #expect(worker.isRunning)
        let expert = try await ClusterRun(["expert", "--env", "CartPole-v1", "--bind", endpoint("expert")], runDirectory: directory, logName: "expert")
        let learner = try await ClusterRun(
            ["learner", "--env", "CartPole-v1", "--run-dir", directory + "/run",
             "--set", "endpoints.control=\(endpoint("control"))", "--set", "endpoints.trajectories=\(endpoint("trajectories"))",
             "--set", "endpoints.weights=\(endpoint("weights"))", "--set", "endpoints.expert=\(endpoint("expert"))", "--set", "workers=1"],
            runDirectory: directory, logName: "learner")
        #expect(await learner.finish(within: 300) == 0, "\(learner.outputText)")
        let summary = try #require(learner.json("run/summary.json"))
        #expect(summary.flag("reached_target") == true)
        #expect(learner.outputText.contains("worker 7 joined"))
        // The learner tells its workers to stop at the end.
        #expect(await worker.finish(within: 60) == 0, "\(worker.outputText)")
        kill(expert.pid, SIGTERM)
        #expect(await expert.finish(within: 60) == 0, "\(expert.outputText)")
        #expect(expert.outputText.contains("expert stopped"))
    }

    @Test("segments with the wrong observation size are counted and dropped while training goes on")
    func wrongObservationSize() async throws {
        let run = try await ClusterRun.train(["--env", "CartPole-v1", "--workers", "2"] + ClusterTrainingTests.longRun)
        #expect(await ClusterRun.waitUntil(seconds: 60) { run.endpoints(of: "learner")["trajectories"] != nil })
        let endpoint = try Endpoint(parsing: try #require(run.endpoints(of: "learner")["trajectories"]))
        let push = try PushSocket(connect: [endpoint])
        let bad = TrajectorySegment(
            workerID: 99, envID: "CartPole-v1", policyVersion: 1,
            observations: Tensor(rows: 3, columns: 5, data: [Float](repeating: 0.1, count: 15)),
            actions: Tensor(rows: 2, columns: 1, data: [0, 1]), rewards: [1, 1], terminated: [false, false], truncated: [false, false])
        for _ in 0..<10 { try await push.send(.trajectory(bad)) }
        for _ in 0..<5 { try await push.send([0x0a, 0xff, 0x13, 0x37]) }
        // All 15 delivered and counted before the socket closes (its linger would drop the rest).
        let probe = try run.learnerStatus()
        let counted = await ClusterRun.status(of: probe, within: 60) { ($0[metric: "rejected_messages"] ?? 0) >= 15 }
        #expect(counted?[metric: "rejected_messages"] == 15, "learner status: \(String(describing: counted))")
        await probe.close()
        await push.close()
        // Training goes on past them, to the target; then the test stops the run.
        let rowsAtCount = run.metricsRows
        let after = ClusterTrainingTests.rowsAfterEvent
        #expect(await ClusterRun.waitUntil(seconds: 180) { ClusterTrainingTests.lastIteration(run.metricsRows) >= ClusterTrainingTests.lastIteration(rowsAtCount) + after }, "training stalled")
        #expect(await ClusterRun.waitUntil(seconds: 300) { run.evaluated(atLeast: 475, after: rowsAtCount.count) }, "no evaluation of 475")
        #expect(try await run.stop(reason: ClusterTrainingTests.stopReason, within: 180) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(ClusterTrainingTests.stoppedByTest(summary), "\(summary["finish_reason"] ?? "")")
        #expect(summary.number("rejected_messages") == 15)
        #expect(try #require(summary.number("iterations")) >= Double(ClusterTrainingTests.lastIteration(rowsAtCount) + after))
        #expect(summary.flag("reached_target") == true)
        #expect(run.log("learner").contains("dropped a bad message"))
    }

    @Test("a launcher killed with SIGKILL leaves no process behind")
    func launcherKilled() async throws {
        let run = try await ClusterRun.train(["--env", "CartPole-v1", "--workers", "2"] + ClusterTrainingTests.longRun)
        #expect(await ClusterRun.waitUntil(seconds: 60) { run.processes.count == 4 })
        let pids = run.processes
        kill(run.pid, SIGKILL)
        for (name, pid) in pids {
            #expect(await ClusterRun.waitUntil(seconds: 15) { !ClusterRun.isAlive(pid) }, "\(name) \(pid) outlived its launcher")
        }
    }
}
