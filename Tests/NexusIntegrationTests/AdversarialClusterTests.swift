import Foundation
import NexusTestKit
import Testing

/// GAIL and AIRL through real processes: demonstrations recorded by `nexus demos record`, a
/// learner with a discriminator, two workers sampling from the policy, no expert process.
extension ClusterTrainingTests {
    @Test("GAIL and AIRL from 20 expert episodes reach 475 on CartPole-v1 with 2 workers", arguments: ["gail", "airl"])
    func adversarialReachesTarget(algo: String) async throws {
        let demos = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-it-\(algo)-demos-\(UUID().uuidString).nxdemo").path
        let recorded = try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "20", "--out", demos, "--seed", "11"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let run = try await ClusterRun.train(["--algo", algo, "--env", "CartPole-v1", "--demos", demos, "--workers", "2", "--seed", "1", "--max-seconds", "3600"])
        #expect(await run.finish(within: 500) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.flag("reached_target") == true, "\(run.outputText)")
        #expect(try #require(summary.number("eval_return_mean")) >= 475)
        #expect(summary.number("expert_queries") == 0)
        #expect(run.processes.keys.sorted() == ["learner", "worker-1", "worker-2"])
        let row = try #require(run.metricsRows.last)
        for column in ["discriminator_loss", "discriminator_expert_accuracy", "discriminator_policy_accuracy", "learned_reward_mean", "eval_return_mean"] {
            #expect(row[column] != nil, "metrics.csv lacks \(column)")
        }
    }
}
