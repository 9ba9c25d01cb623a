import Foundation
import NexusTestKit
import NexusRuntime
import Testing

/// PPO through real processes (a learner and two workers, no expert), and the classic
/// pipeline from the command line: a PPO checkpoint served as the expert for DAgger, and
/// recorded as demonstrations for BC.
extension ClusterTrainingTests {
    @Test("PPO with 2 workers reaches the threshold through the cluster", arguments: [
        ("CartPole-v1", 475.0, UInt64(1)), ("Acrobot-v1", -100, 1), ("Pendulum-v1", -250, 1),
    ])
    func ppoReachesTarget(env: String, target: Double, seed: UInt64) async throws {
        let run = try await ClusterRun.train(["--algo", "ppo", "--env", env, "--workers", "2", "--seed", "\(seed)", "--target-return=\(target)", "--max-seconds", "3600"])
        #expect(await run.finish(within: 500) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.flag("reached_target") == true, "\(run.outputText)")
        #expect(try #require(summary.number("eval_return_mean")) >= target)
        #expect(try #require(summary.number("env_steps_to_target")) <= 500_000)
        #expect(summary.number("expert_queries") == 0)
        // Each update trains on about one iteration's samples, however long the previous one
        // took (segments that arrive meanwhile wait for the next): batches that grew with each
        // slow update ran PPO's env-step schedules out in a few updates.
        let perIteration = try ConfigLoader.load(file: run.runDirectory + "/config.yaml").training.samplesPerIteration
        let batches = run.metricsRows.compactMap { Double($0["samples"] ?? "") }
        #expect(!batches.isEmpty && batches.allSatisfy { $0 < Double(2 * perIteration) }, "samples per update \(batches), samples_per_iteration \(perIteration)")
        for key in ["seconds_to_target", "env_steps_to_target", "stale_segments_dropped", "iterations_to_target"] {
            #expect(summary[key] != nil, "summary.json lacks \(key)")
        }
        // No expert process: the launcher started only what PPO needs.
        #expect(run.processes.keys.sorted() == ["learner", "worker-1", "worker-2"])
        #expect(run.metricsRows.first?["approx_kl"] != nil)
    }

    @Test("a PPO checkpoint serves as the expert: DAgger and BC (from its recorded demonstrations) reach 475")
    func ppoExpertPipeline() async throws {
        // A perfect expert (500 over 20 episodes; ~2 s here): one that only just passes 490
        // left, once in CI, demonstrations from which BC stayed under 475 for all 20 epochs.
        let ppo = try await ClusterRun.train(["--algo", "ppo", "--env", "CartPole-v1", "--workers", "2", "--seed", "1", "--set", "target_return=500", "--max-seconds", "240"])
        #expect(await ppo.finish(within: 300) == 0, "\(ppo.outputText)")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: ppo.runDirectory + "/checkpoints").filter { $0.hasSuffix(".nxckpt") }.sorted()
        let expert = ppo.runDirectory + "/checkpoints/" + (try #require(checkpoints.last))

        let dagger = try await ClusterRun.train(["--algo", "dagger", "--env", "CartPole-v1", "--workers", "2", "--expert-policy", expert])
        #expect(await dagger.finish(within: 300) == 0, "\(dagger.outputText)")
        let daggerSummary = try #require(dagger.summary)
        #expect(try #require(daggerSummary.number("eval_return_mean")) >= 475)
        #expect(try #require(daggerSummary.number("expert_queries")) > 0)
        #expect(dagger.log("expert").contains("policy \(expert)") || dagger.log("expert").contains("listening"))

        let demos = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-it-ppo-demos-\(UUID().uuidString).nxdemo").path
        let recorded = try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "20", "--expert-policy", expert, "--out", demos])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let bc = try await ClusterRun.train(["--algo", "bc", "--env", "CartPole-v1", "--demos", demos])
        #expect(await bc.finish(within: 180) == 0, "\(bc.outputText)")
        #expect(try #require(bc.summary?.number("eval_return_mean")) >= 475)
    }
}
