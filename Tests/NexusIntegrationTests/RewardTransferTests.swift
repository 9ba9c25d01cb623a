import Foundation
import NexusTestKit
import Testing

/// The AIRL paper's claim through the command line: a reward learned by AIRL on Pendulum-v1
/// (g = 10) trains a fresh PPO policy on Pendulum-v1 with g = 12 to near the expert's return
/// there, with the run never looking at the environment's reward to stop (a fixed budget).
///
/// One worker a run, waiting for each version (lockstep: what each update trains on does not
/// depend on timing), so that each run is deterministic whatever the machine's load: this is the claim at seed 1, not across seeds. Across
/// seeds it does not hold reliably yet (2026-12-06, these budgets: 4 of 8 seeds ≥ 0.8 with one
/// worker; with two, whose runs vary with timing, 5 of 8, and seed 1 itself once 0.64 under CI
/// load). The claim is pure AIRL's: the warm start and the cloning term (gail and airl's
/// defaults, which serve imitation) are off here; with them seed 1 scored 0.66 (2026-12-06).
extension ClusterTrainingTests {
    @Test("AIRL's reward from Pendulum g=10 trains PPO on g=12 to a normalised score ≥ 0.8")
    func rewardTransfer() async throws {
        let demos = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-it-transfer-\(UUID().uuidString).nxdemo").path
        let recorded = try await NexusProcess.run(["demos", "record", "--env", "Pendulum-v1", "--episodes", "50", "--out", demos, "--seed", "101"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        // A fixed budget: the reward of a run stopped the moment its policy reached −300 was
        // sometimes still immature.
        let airl = try await ClusterRun.train([
            "--algo", "airl", "--env", "Pendulum-v1", "--demos", demos, "--workers", "1", "--seed", "1",
            "--set", "stop_at_target=false", "--set", "training.max_iterations=60", "--set", "worker.version_wait_seconds=86400", "--set", "worker.query_version_wait_seconds=86400", "--max-seconds", "400",
            "--set", "adversarial.warm_start_steps=0", "--set", "adversarial.demonstration_weight=0",
        ])
        #expect(await airl.finish(within: 500) == 0, "\(airl.outputText)")
        let reward = try #require(Self.newestCheckpoint(airl.runDirectory))

        let transfer = try await ClusterRun.train([
            "--algo", "ppo", "--env", "Pendulum-v1", "--env-kwarg", "g=12", "--reward", reward, "--workers", "1", "--seed", "1",
            "--set", "stop_at_target=false", "--set", "training.max_iterations=25", "--set", "worker.version_wait_seconds=86400", "--set", "worker.query_version_wait_seconds=86400", "--max-seconds", "400",
        ])
        #expect(await transfer.finish(within: 500) == 0, "\(transfer.outputText)")
        let policy = try #require(Self.newestCheckpoint(transfer.runDirectory))
        let evaluation = try await NexusProcess.run(["eval", "--env", "Pendulum-v1", "--env-kwarg", "g=12", "--policy", policy, "--episodes", "20", "--json"])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(evaluation.stdout.utf8)) as? [String: Any])
        let score = try #require((result["normalised_score"] as? NSNumber)?.doubleValue)
        #expect(score >= 0.8, "\(evaluation.stdout)")
    }

    static func newestCheckpoint(_ runDirectory: String) -> String? {
        let directory = runDirectory + "/checkpoints"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        return names.filter { $0.hasSuffix(".nxckpt") }.sorted().last.map { directory + "/" + $0 }
    }
}
