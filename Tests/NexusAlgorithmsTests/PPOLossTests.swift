import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusTestKit
import Testing

@testable import NexusAlgorithms

/// PPO's whole minibatch loss (clipped surrogate, entropy bonus, value loss) differentiated
/// through both networks, the Gaussian log-std included, against finite differences.
@Suite("PPO loss gradients match finite differences")
struct PPOLossTests {
    static func minibatch(policy: PolicyNetwork, rows: Int, random: inout RandomSource) -> PPOMinibatch {
        let observations = (0..<(rows * policy.inputSize)).map { _ in random.nextFloat(in: -1.5...1.5) }
        var actions = [Float](repeating: 0, count: rows * policy.actionDim), current = [Float](repeating: 0, count: rows)
        observations.withUnsafeBufferPointer { o in
            actions.withUnsafeMutableBufferPointer { a in
                current.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: rows, mode: .sample, random: &random, into: a, logProbabilities: $0) }
            }
        }
        // Behaviour log-probabilities either close (ratios within 1 ± 0.05) or far (outside
        // [0.74, 1.35]): both branches of the clip are exercised, and no ratio sits near a
        // kink that a finite difference could step across.
        let offsets = (0..<rows).map { row -> Float in
            let size = row % 2 == 0 ? random.nextFloat(in: 0...0.05) : random.nextFloat(in: 0.3...0.5)
            return random.next() % 2 == 0 ? size : -size
        }
        return PPOMinibatch(
            observations: observations, actions: actions, behaviourLogProbabilities: zip(current, offsets).map { $0 + $1 },
            advantages: (0..<rows).map { _ in random.nextFloat(in: -2...2) }, returns: (0..<rows).map { _ in random.nextFloat(in: -1...1) })
    }

    @Test("categorical and Gaussian heads", arguments: [(PolicyNetwork.Head.categorical, UInt64(1)), (.gaussian, 2), (.categorical, 3), (.gaussian, 4), (.categorical, 5), (.gaussian, 6), (.categorical, 7), (.gaussian, 8)])
    func wholeLoss(head: PolicyNetwork.Head, seed: UInt64) throws {
        var random = RandomSource(seed: seed)
        let policy = PolicyNetwork(sizes: [3, 6, head == .categorical ? 3 : 2], activation: .tanh, head: head, logStdInit: -0.3, random: &random)
        // Larger output weights than a fresh policy's 0.01 gain, so the ratios move.
        for index in policy.mlp.parameters.values.indices { policy.mlp.parameters.values[index] += random.nextFloat(in: -0.3...0.3) }
        let value = MLP(sizes: [3, 5, 1], activation: .tanh, name: "value", random: &random)
        let batch = Self.minibatch(policy: policy, rows: 6, random: &random)
        let (clip, entropyCoefficient, valueCoefficient): (Float, Float, Float) = (0.2, 0.05, 0.5)
        func loss() -> Float {
            PPOLoss.accumulateGradients(batch, policy: policy, value: value, clipRange: clip, entropyCoefficient: entropyCoefficient, valueCoefficient: valueCoefficient)
                .total(entropyCoefficient: entropyCoefficient, valueCoefficient: valueCoefficient)
        }
        policy.mlp.parameters.zeroGradients()
        value.parameters.zeroGradients()
        let terms = PPOLoss.accumulateGradients(batch, policy: policy, value: value, clipRange: clip, entropyCoefficient: entropyCoefficient, valueCoefficient: valueCoefficient)
        #expect(terms.clipFraction > 0 && terms.clipFraction < 1, "the batch should mix clipped and unclipped rows")
        let (policyGradient, valueGradient) = (policy.mlp.parameters.gradients, value.parameters.gradients)
        // A small step: the clipping kinks must not fall between the two evaluations.
        let policyValues = policy.mlp.parameters.values
        let policyMismatches = FiniteDifferences.mismatches(policyGradient, at: policyValues, epsilon: 2e-3) {
            policy.mlp.parameters.values = $0
            return loss()
        }
        policy.mlp.parameters.values = policyValues
        #expect(policyMismatches.isEmpty, "policy: \(policyMismatches)")
        if head == .gaussian, let offset = policy.mlp.parameters.entry(named: "policy.log_std")?.offset {
            #expect(policyGradient[offset..<(offset + 2)].contains { $0 != 0 }, "the log-std is trained")
        }
        let valueValues = value.parameters.values
        let valueMismatches = FiniteDifferences.mismatches(valueGradient, at: valueValues, epsilon: 2e-3) {
            value.parameters.values = $0
            return loss()
        }
        #expect(valueMismatches.isEmpty, "value: \(valueMismatches)")
    }

    @Test("sampled actions carry the log-probability the training side computes for them")
    func sampledLogProbabilitiesAgree() {
        for head in [PolicyNetwork.Head.categorical, .gaussian] {
            var random = RandomSource(seed: 9)
            let policy = PolicyNetwork(sizes: [4, 8, 2], activation: .tanh, head: head, logStdInit: -0.5, random: &random)
            let batch = Self.minibatch(policy: policy, rows: 16, random: &random)
            var recorded = [Float](repeating: 0, count: 16), actions = [Float](repeating: 0, count: 16 * policy.actionDim)
            var again = RandomSource(seed: 77)
            batch.observations.withUnsafeBufferPointer { o in
                actions.withUnsafeMutableBufferPointer { a in
                    recorded.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: 16, mode: .sample, random: &again, into: a, logProbabilities: $0) }
                }
            }
            var computed = [Float](repeating: 0, count: 16), entropies = computed
            batch.observations.withUnsafeBufferPointer { o in
                actions.withUnsafeBufferPointer { a in
                    computed.withUnsafeMutableBufferPointer { c in
                        entropies.withUnsafeMutableBufferPointer { policy.logProbabilityAndEntropy(normalised: o, rows: 16, chosen: a, logProbabilities: c, entropies: $0) }
                    }
                }
            }
            for (a, b) in zip(recorded, computed) { #expect(abs(a - b) < 1e-4, "\(head): \(a) vs \(b)") }
        }
    }
}

@Suite("GAE, running statistics, reward scaling")
struct AdvantageTests {
    @Test("GAE bootstraps truncated steps from the final observation, not terminated ones, and cuts the chain at both")
    func advantages() {
        let (gamma, lambda): (Float, Float) = (0.9, 0.5)
        let rewards: [Float] = [1, 2, 3, 4]
        let values: [Float] = [0.5, 0.4, 0.3, 0.2, 0.1]
        // Step 1 terminated, step 2 truncated with final value 7, step 3 runs on (bootstrap V(s_4)).
        let (advantages, returns) = GeneralisedAdvantageEstimation.compute(
            rewards: rewards, values: values, terminated: [false, true, false, false], truncated: [false, false, true, false],
            finalValues: [0, 0, 7, 0], gamma: gamma, lambda: lambda)
        let a3 = 4 + gamma * 0.1 - 0.2
        let a2 = 3 + gamma * 7 - 0.3
        let a1: Float = 2 - 0.4
        let a0 = (1 + gamma * 0.4 - 0.5) + gamma * lambda * a1
        for (got, want) in zip(advantages, [a0, a1, a2, a3]) { #expect(abs(got - want) < 1e-5) }
        for index in 0..<4 { #expect(abs(returns[index] - (advantages[index] + values[index])) < 1e-6) }
    }

    @Test("running statistics equal the statistics of everything seen, batch by batch")
    func runningStatistics() {
        var random = RandomSource(seed: 3)
        var statistics = RunningStatistics(columns: 2, count: 0)
        var all: [Float] = []
        for rows in [5, 17, 1, 40] {
            let batch = (0..<(rows * 2)).map { _ in random.nextFloat(in: -3...5) }
            statistics.update(batch, rows: rows)
            all += batch
        }
        for column in 0..<2 {
            let values = stride(from: column, to: all.count, by: 2).map { Double(all[$0]) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            #expect(abs(statistics.mean[column] - mean) < 1e-6)
            #expect(abs(statistics.variance[column] - variance) < 1e-5)
        }
        #expect(RunningStatistics(state: statistics.state, columns: 2) == statistics, "checkpointed statistics come back exactly")
        #expect(RunningStatistics(state: [1, 2], columns: 2) == nil)
        #expect(RunningStatistics(state: [Float](repeating: 0.5, count: 15), columns: 2) == nil)
    }

    @Test("reward scaling divides by the spread of each stream's discounted return and restarts it at episode ends")
    func rewardScaling() {
        var scaler = RewardScaler(gamma: 0.5)
        let scaled = scaler.scale([1, 1, 1, 1], ended: [false, true, false, false], stream: 1)
        // Returns 1, 1.5 (episode ends), 1, 1.5: one scale for the whole segment.
        let variance = scaler.statistics.variance[0]
        #expect(abs(variance - 0.0625) < 1e-3)
        #expect(scaled.allSatisfy { abs($0 - Float(1 / (variance + 1e-8).squareRoot())) < 1e-3 })
    }
}
