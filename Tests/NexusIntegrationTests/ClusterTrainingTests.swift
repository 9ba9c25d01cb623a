import Foundation
import NexusTestKit
import NexusTransport
import NexusWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real clusters on loopback: `nexus train` starts an expert, a learner and workers as
/// separate processes; the tests read the run directory. One at a time: each cluster is
/// half a dozen processes on a 2-core machine.
@Suite("Local clusters", .serialized)
struct ClusterTrainingTests {
    /// A run that trains until the test stops it (`ClusterRun.stop`), so that a fault test
    /// always hits a working cluster, however slow the machine; max_seconds is a safety net.
    static let longRun = [
        "--set", "stop_at_target=false", "--set", "training.max_iterations=1000000", "--set", "max_seconds=3600", "--set", "learner.checkpoint_every=1",
        "--set", "training.gradient_steps_per_iteration=300", "--set", "learner.eval_episodes=5",
    ]
    /// Rows a fault test waits for after its event before stopping the run: training went on.
    static let rowsAfterEvent = 3
    static let stopReason = "the test is done"

    /// Whether the summary's finish reason is the test's stop.
    static func stoppedByTest(_ summary: [String: Any]) -> Bool {
        (summary["finish_reason"] as? String)?.contains("stop requested: \(stopReason)") == true
    }

    @Test("DAgger on CartPole-v1 with 4 workers reaches 475")
    func daggerReachesTarget() async throws {
        let run = try await ClusterRun.train(["--algo", "dagger", "--env", "CartPole-v1", "--workers", "4", "--seed", "3"])
        let status = await run.finish(within: 180)
        #expect(status == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.flag("reached_target") == true)
        #expect(try #require(summary.number("eval_return_mean")) >= 475)
        #expect(summary.number("rejected_messages") == 0)
        for key in ["algo", "env", "seed", "workers", "wall_seconds", "env_steps", "expert_queries", "iterations", "policy_version",
                    "eval_return_std", "target_return", "seconds_to_target", "env_steps_to_target", "expert_queries_to_target",
                    "worker_restarts", "stale_segments_dropped", "unsafe_events", "unsafe_events_to_target", "labels_received", "dataset_bound"] {
            #expect(summary[key] != nil, "summary.json lacks \(key)")
        }
        #expect(!run.metricsRows.isEmpty)
        #expect(FileManager.default.fileExists(atPath: run.runDirectory + "/config.yaml"))
        #expect(run.processes.count == 6)
        for (name, pid) in run.processes { #expect(!ClusterRun.isAlive(pid), "\(name) \(pid) outlived the run") }
        #expect(run.log("expert").contains("states="))
    }

    @Test("DAgger with 4 workers reaches the threshold", arguments: [("Acrobot-v1", -100.0), ("MountainCarContinuous-v0", 90), ("Pendulum-v1", -200)])
    func daggerOtherEnvironments(env: String, threshold: Double) async throws {
        let run = try await ClusterRun.train(["--env", env, "--workers", "4", "--seed", "2"])
        #expect(await run.finish(within: 300) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.number("target_return") == threshold)
        #expect(try #require(summary.number("eval_return_mean")) >= threshold)
        #expect(summary.flag("reached_target") == true)
    }

    @Test("MEGA-DAgger on Pendulum-v1: the world model and the gate travel to workers; −200 with fewer queries than steps")
    func megaDAgger() async throws {
        // With imagination, so that the learner's own expert queries are exercised too.
        let run = try await ClusterRun.train(["--algo", "mega-dagger", "--env", "Pendulum-v1", "--workers", "2", "--seed", "1", "--set", "mega.imagined_labels=8"])
        #expect(await run.finish(within: 180) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.flag("reached_target") == true)
        #expect(try #require(summary.number("eval_return_mean")) >= -200)
        let queries = try #require(summary.number("expert_queries")), steps = try #require(summary.number("env_steps"))
        #expect(queries < steps, "the gate saved no query: \(queries) of \(steps)")
        #expect(summary.number("unsafe_events") != nil)
        let columns = Set(run.metricsRows.first?.keys.map { $0 } ?? [])
        for column in ["model_error", "disagreement_error_correlation", "gate_threshold", "queries_per_1k_steps", "safety_takeovers", "unsafe_events", "imagined_labels"] {
            #expect(columns.contains(column), "metrics.csv lacks \(column)")
        }
        #expect(run.metricsRows.contains { (Double($0["imagined_labels"] ?? "") ?? 0) > 0 }, "the learner never had imagined states labelled")
        #expect(summary.number("rejected_messages") == 0)
    }

    @Test("three imperfect experts, none enough alone: workers ask all three, fuse their labels, and DAgger reaches −200 on Pendulum-v1")
    func threeImperfectExperts() async throws {
        let flaws = ["bias=0.8", "noise=1.5", "blind=0:0.8:1"]
        let run = try await ClusterRun.train([
            "--algo", "dagger", "--env", "Pendulum-v1", "--workers", "2", "--seed", "4", "--target-return=-200", "--max-seconds", "3600",
            "--set", "expert.imperfections=[\(flaws.map { "'\($0)'" }.joined(separator: ", "))]",
        ])
        #expect(await run.finish(within: 200) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.flag("reached_target") == true)
        // Every labelled state cost each of the three an answer.
        let queries = try #require(summary.number("expert_queries")), steps = try #require(summary.number("env_steps"))
        #expect(queries == 3 * steps, "\(queries) queries for \(steps) steps")
        for name in ["expert", "expert-2", "expert-3"] {
            // "expert stopped" (logged before the process's last line) carries its counts.
            let log = run.log(name)
            #expect(log.contains("expert stopped") && log.contains("queries=") && !log.contains("queries=0 "), "\(name) served nothing:\n\(log)")
        }
        let cluster = try #require(run.json("cluster.json")?["processes"] as? [[String: Any]])
        #expect(cluster.compactMap { $0["imperfection"] as? String }.sorted() == flaws.sorted())
    }

    @Test("BC from 20 expert episodes reaches 475 on CartPole-v1")
    func behaviourCloning() async throws {
        let demos = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-it-demos-\(UUID().uuidString).nxdemo").path
        let recorded = try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "20", "--out", demos, "--seed", "5"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let run = try await ClusterRun.train(["--algo", "bc", "--env", "CartPole-v1", "--demos", demos])
        #expect(await run.finish(within: 180) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(try #require(summary.number("eval_return_mean")) >= 475)
        #expect(summary.number("expert_queries") == 0)
        #expect(run.processes.keys.sorted() == ["learner"])
    }

    /// A long run in which `role` gets `signal` once metrics.csv has `rows` rows; once it was
    /// replaced (cluster.json) and `rowsAfterEvent` more iterations were recorded (and, with
    /// `reachTarget`, a row evaluated at 475 or more after the kill), the run is stopped.
    /// Returns the run (finished), the rows at the kill and the summary.
    static func killMidRun(
        _ role: String, workers: Int, afterRows rows: Int, signal: Int32 = SIGKILL, reachTarget: Bool = false, extra: [String] = []
    ) async throws -> (run: ClusterRun, rowsAtKill: [[String: String]], summary: [String: Any]) {
        let run = try await ClusterRun.train(["--env", "CartPole-v1", "--workers", "\(workers)"] + longRun + extra)
        #expect(await ClusterRun.waitUntil(seconds: 60) { run.metricsRows.count >= rows })
        let victim = try #require(run.processes[role])
        kill(victim, signal)
        let rowsAtKill = run.metricsRows
        #expect(await ClusterRun.waitUntil(seconds: 60) { (run.processes[role] ?? victim) != victim }, "\(role) was not restarted")
        // Past where it was when killed: a resumed learner rewinds metrics.csv to its
        // checkpoint, so the rows read just after the restart may be fewer than at the kill.
        let lastAtRestart = max(lastIteration(run.metricsRows), lastIteration(rowsAtKill))
        #expect(await ClusterRun.waitUntil(seconds: 180) { lastIteration(run.metricsRows) >= lastAtRestart + rowsAfterEvent }, "training stalled after \(role) was replaced")
        if reachTarget {
            #expect(await ClusterRun.waitUntil(seconds: 300) { run.evaluated(atLeast: 475, after: rowsAtKill.count) }, "no evaluation of 475 after the kill")
        }
        #expect(try await run.stop(reason: stopReason, within: 180) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(stoppedByTest(summary), "\(summary["finish_reason"] ?? "")")
        return (run, rowsAtKill, summary)
    }

    static func lastIteration(_ rows: [[String: String]]) -> Int { rows.compactMap { Int($0["iteration"] ?? "") }.last ?? 0 }

    @Test("workers whose shares fall short of an iteration are asked for more: DAgger trains on although they would wait an hour for a version")
    func learnerAsksForMoreData() async throws {
        // 2 workers × one 64-step round each: half of DAgger's 256 labels an iteration. Only
        // the learner's request for more data (after 0.5 s without a segment) moves the run.
        let run = try await ClusterRun.train([
            "--env", "CartPole-v1", "--workers", "2", "--seed", "4", "--set", "worker.steps_per_version=8", "--set", "worker.query_version_wait_seconds=3600",
            "--set", "stop_at_target=false", "--set", "training.max_iterations=5", "--set", "learner.eval_episodes=2", "--max-seconds", "120",
        ])
        #expect(await run.finish(within: 180) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.number("iterations") == 5, "\(summary["finish_reason"] ?? "")")
        // One worker asked at a time, for one share: no share beyond the iteration's, none
        // collected with a version the learner has replaced (asking both would leave one over).
        let lags = run.metricsRows.compactMap { Double($0["policy_lag"] ?? "") }
        #expect(lags.count == 5 && lags.allSatisfy { $0 == 0 }, "policy_lag per iteration: \(lags)")
    }

    @Test("a worker killed with SIGKILL is restarted and the run still reaches the target")
    func workerRestart() async throws {
        let (_, _, summary) = try await Self.killMidRun("worker-2", workers: 3, afterRows: 2, reachTarget: true)
        #expect(try #require(summary.number("worker_restarts")) >= 1)
        #expect(summary.flag("reached_target") == true)
    }

    @Test("SIGTERM to nexus train stops every process within 10 s and leaves a final checkpoint")
    func sigtermStopsEverything() async throws {
        let run = try await ClusterRun.train(["--env", "CartPole-v1", "--workers", "2"] + Self.longRun)
        #expect(await ClusterRun.waitUntil(seconds: 60) { run.metricsRows.count >= 1 && run.processes.count == 4 })
        let pids = run.processes
        kill(run.pid, SIGTERM)
        // Under AddressSanitizer four sanitized processes, the final checkpoint and the leak
        // scan at exit take longer.
        let bound: Double = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil ? 60 : 10
        let status = await run.finish(within: bound)
        #expect(status == 143, "nexus train did not stop within \(Int(bound)) s after SIGTERM\n\(run.outputText)")
        for (name, pid) in pids { #expect(!ClusterRun.isAlive(pid), "\(name) \(pid) still running") }
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: run.runDirectory + "/checkpoints")
        #expect(checkpoints.contains { $0.hasSuffix(".nxckpt") })
        #expect((run.summary?["finish_reason"] as? String)?.contains("SIGTERM") == true)
    }

    @Test("nexus train --resume continues a stopped run: iterations, versions and the clock go on, metrics.csv and tb/ are appended to")
    func resumeStoppedRun() async throws {
        let run = try await ClusterRun.train(["--env", "CartPole-v1", "--workers", "2"] + Self.longRun)
        #expect(await ClusterRun.waitUntil(seconds: 60) { run.metricsRows.count >= 3 })
        kill(run.pid, SIGINT)
        #expect(await run.finish(within: 60) == 130, "\(run.outputText)")
        let before = run.metricsRows
        let stoppedAt = try #require(before.compactMap { Int($0["iteration"] ?? "") }.last)
        let wallBefore = try #require(Double(before.last?["wall_seconds"] ?? ""))
        let resumed = try await NexusProcess.run(["train", "--resume", run.runDirectory, "--set", "training.max_iterations=\(stoppedAt + 5)"], timeout: 120)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let rows = run.metricsRows
        let iterations = rows.compactMap { Int($0["iteration"] ?? "") }
        let versions = rows.compactMap { Int($0["policy_version"] ?? "") }
        #expect(iterations.last == stoppedAt + 5 && rows.count >= before.count + 5, "\(iterations)")
        #expect(zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 }, "policy versions \(versions)")
        #expect(try #require(Double(rows.last?["wall_seconds"] ?? "")) > wallBefore, "the run's clock continues")
        #expect(run.log("learner").contains("resuming: reading checkpoint-") && run.log("learner").contains("resumed from"))
        let eventFiles = try FileManager.default.contentsOfDirectory(atPath: run.runDirectory + "/tb").filter { $0.contains("tfevents") }
        #expect(eventFiles.count == 2, "one event file per learner process: \(eventFiles)")
        // Read together, the two files hold each row of metrics.csv once (TensorBoard's readers).
        let (status, report) = spawnAndWait(TelemetryTests.python, [TelemetryTests.tool("check_tensorboard.py"), run.runDirectory])
        #expect(status == 0 && report.contains("legacy accumulator: \(rows.count) rows"), "\(report)")
        let refused = try await NexusProcess.run(["train", "--resume", run.runDirectory + "/logs"])
        #expect(refused.status == 64 && refused.stderr.contains("no config.yaml there"), "\(refused.stderr)")
    }

    @Test("a learner killed with SIGKILL resumes from its checkpoint with increasing policy versions")
    func learnerResume() async throws {
        let (run, rowsAtKill, summary) = try await Self.killMidRun("learner", workers: 2, afterRows: 3)
        let versionAtKill = rowsAtKill.compactMap { Int($0["policy_version"] ?? "") }.max() ?? 0
        #expect(try #require(summary.number("learner_restarts")) >= 1)
        #expect(try #require(summary.number("policy_version")) > Double(versionAtKill))
        #expect(run.log("learner").contains("resumed from"))
        #expect(Self.lastIteration(run.metricsRows) >= Self.lastIteration(rowsAtKill) + Self.rowsAfterEvent)
        let versions = run.metricsRows.compactMap { Int($0["policy_version"] ?? "") }
        // Versions only grow, across the restart too (an iteration after the newest checkpoint
        // may be trained twice, each time under a new version).
        #expect(zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 }, "policy versions \(versions)")
    }

    @Test("a process stopped with SIGSTOP (alive, silent) is noticed by the launcher, killed and replaced; the run goes on",
          arguments: [("worker-2", "worker_restarts"), ("expert", "expert_restarts"), ("learner", "learner_restarts")])
    func stoppedProcessReplaced(role: String, counter: String) async throws {
        // Workers are judged by their heartbeats (2.5 intervals of 1 s); the learner and the
        // expert by status answers, here after 4 s instead of 30.
        let (run, rowsAtKill, summary) = try await Self.killMidRun(role, workers: 2, afterRows: 2, signal: SIGSTOP, extra: ["--set", "launcher.unresponsive_seconds=4"])
        #expect(try #require(summary.number(counter)) >= 1)
        #expect(try #require(summary.number("iterations")) >= Double(Self.lastIteration(rowsAtKill) + Self.rowsAfterEvent))
        let notice = role.hasPrefix("worker") ? "worker 2 has not been heard for" : "the \(role) has not answered status for"
        #expect(run.outputText.contains(notice), "\(run.outputText)")
    }

    @Test("an expert killed and restarted deadlocks no worker")
    func expertRestart() async throws {
        let (run, rowsAtKill, summary) = try await Self.killMidRun("expert", workers: 2, afterRows: 2)
        #expect(try #require(summary.number("expert_restarts")) >= 1)
        #expect(run.metricsRows.count > rowsAtKill.count)
        #expect(try #require(summary.number("iterations")) >= Double(Self.lastIteration(rowsAtKill) + Self.rowsAfterEvent))
    }
}
