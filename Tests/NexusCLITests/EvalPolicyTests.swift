import Foundation
import NexusDemonstrations
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusTestKit
import NexusWire
import Testing

@Suite("nexus eval --policy")
struct EvalPolicyTests {
    /// Behaviour cloning from 20 expert episodes, in process: enough to balance the pole.
    static func clonedCartPolePolicy() -> PolicyNetwork {
        let demos = DemonstrationRecorder.record(CartPole.self, expert: CartPoleExpert(), episodes: 20, seed: 1, nexusVersion: "test")
        let states = demos.episodes.flatMap { Array($0.observations.data.prefix($0.stepCount * 4)) }
        let labels = demos.episodes.flatMap { $0.actions.data.map { Int32($0) } }
        var random = RandomSource(seed: 2)
        let policy = PolicyNetwork(sizes: [4, 64, 64, 2], activation: .tanh, head: .categorical, random: &random)
        let trainer = ClassifierTrainer(network: policy.mlp, learningRate: 1e-3)
        for _ in 0..<800 {
            let rows = (0..<128).map { _ in Int(random.next() % UInt64(labels.count)) }
            trainer.step(inputs: rows.flatMap { states[($0 * 4)..<($0 * 4 + 4)] }, labels: rows.map { labels[$0] })
        }
        return policy
    }

    @Test("a policy checkpoint cloned from 20 expert episodes is evaluated by the CLI and balances the pole; without --env the checkpoint's environment and env_kwargs are used")
    func evaluatesACheckpoint() async throws {
        let model = try await offCooperativePool { Self.clonedCartPolePolicy().model() }
        let path = NSTemporaryDirectory() + "nexus-policy-\(UUID().uuidString).ckpt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let checkpoint = Checkpoint(runID: "test", algo: "bc", envID: "CartPole-v1", iteration: 800, weights: Weights(version: 1, models: [model]))
        try Data(CheckpointFile.encode(checkpoint)).write(to: URL(fileURLWithPath: path))
        let result = try await NexusProcess.run(["eval", "--env", "CartPole-v1", "--policy", path, "--episodes", "20", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        struct Summary: Decodable { var mean_return: Double; var episodes: Int }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(result.stdout.utf8))
        #expect(summary.episodes == 20 && summary.mean_return >= 475, "mean return \(summary.mean_return)")

        let wrongEnv = try await NexusProcess.run(["eval", "--env", "Acrobot-v1", "--policy", path])
        #expect(wrongEnv.status == 64 && wrongEnv.stderr.contains("holds a policy for CartPole-v1, not Acrobot-v1"))

        // Without --env: the checkpoint names its environment, and the env_kwargs its run had.
        let named = try await NexusProcess.run(["eval", "--policy", path, "--episodes", "20", "--json"])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(try JSONDecoder().decode(Summary.self, from: Data(named.stdout.utf8)).mean_return == summary.mean_return)
        let withArguments = checkpoint.with(runConfig: "env: CartPole-v1\nenv_kwargs:\n  sutton_barto_reward: 'true'\n")
        try Data(CheckpointFile.encode(withArguments)).write(to: URL(fileURLWithPath: path))
        let kwargs = try await NexusProcess.run(["eval", "--policy", path, "--episodes", "3", "--json"])
        #expect(kwargs.status == 0 && kwargs.stdout.contains("\"env\":\"CartPole-v1\"") && kwargs.stdout.contains("sutton_barto_reward"), "\(kwargs.stdout) \(kwargs.stderr)")
        let neither = try await NexusProcess.run(["eval", "--expert", "--episodes", "3"])
        #expect(neither.status == 64 && neither.stderr.contains("--env names the environment"), "\(neither.stderr)")
    }
}

extension Checkpoint {
    func with(runConfig: String) -> Checkpoint {
        var copy = self
        copy.runConfig = runConfig
        return copy
    }
}
