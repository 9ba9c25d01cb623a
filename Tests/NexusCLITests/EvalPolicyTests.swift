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
        let adam = Adam(parameterCount: policy.mlp.parameters.count, learningRate: 1e-3)
        let batch = 128
        var inputs = [Float](repeating: 0, count: batch * 4)
        var targets = [Int32](repeating: 0, count: batch)
        var gradient = [Float](repeating: 0, count: batch * 2)
        for _ in 0..<800 {
            for row in 0..<batch {
                let index = Int(random.next() % UInt64(labels.count))
                inputs.replaceSubrange((row * 4)..<(row * 4 + 4), with: states[(index * 4)..<(index * 4 + 4)])
                targets[row] = labels[index]
            }
            policy.mlp.forward(inputs, batch: batch)
            policy.mlp.withOutput { logits in
                targets.withUnsafeBufferPointer { y in
                    gradient.withUnsafeMutableBufferPointer { _ = CategoricalHead.crossEntropy(logits: logits, labels: y, actions: 2, gradient: $0) }
                }
            }
            policy.mlp.parameters.zeroGradients()
            policy.mlp.backward(gradient)
            adam.update(policy.mlp.parameters)
        }
        return policy
    }

    @Test("a policy checkpoint cloned from 20 expert episodes is evaluated by the CLI and balances the pole")
    func evaluatesACheckpoint() async throws {
        let model = try await offCooperativePool { Self.clonedCartPolePolicy().model() }
        let path = NSTemporaryDirectory() + "nexus-policy-\(UUID().uuidString).ckpt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let checkpoint = Checkpoint(runID: "test", algo: "bc", envID: "CartPole-v1", iteration: 800, weights: Weights(version: 1, models: [model]))
        try Data(StorageCodec.encode(checkpoint)).write(to: URL(fileURLWithPath: path))
        let result = try await NexusProcess.run(["eval", "--env", "CartPole-v1", "--policy", path, "--episodes", "20", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        struct Summary: Decodable { var mean_return: Double; var episodes: Int }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(result.stdout.utf8))
        #expect(summary.episodes == 20 && summary.mean_return >= 475, "mean return \(summary.mean_return)")

        let wrongEnv = try await NexusProcess.run(["eval", "--env", "Acrobot-v1", "--policy", path])
        #expect(wrongEnv.status == 64 && wrongEnv.stderr.contains("holds a policy for CartPole-v1, not Acrobot-v1"))
    }
}
