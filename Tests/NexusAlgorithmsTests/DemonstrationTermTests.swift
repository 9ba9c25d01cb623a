import NexusDemonstrations
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire
import Testing

@testable import NexusAlgorithms

/// GAIL's and AIRL's use of the demonstrations in the generator: the warm start (behaviour
/// cloning before the first rollout) and the cloning term inside PPO's minibatches.
@Suite("The generator's demonstration term")
struct DemonstrationTermTests {
    static let spec = Pendulum.spec

    /// 10 episodes of Pendulum's built-in expert, as labelled rows.
    static func expertRows() -> LabelledDataset {
        let demos = DemonstrationRecorder.record(Pendulum.self, expert: PendulumExpert(), episodes: 10, seed: 5, nexusVersion: "test")
        var dataset = LabelledDataset(observationDim: spec.observationDim, labelDim: spec.actionSpace.dimension, capacity: 10_000)
        for episode in demos.episodes { _ = dataset.append(labelledStepsOf: episode) }
        return dataset
    }

    static func ppo(normalise: Bool = true) -> ProximalPolicyOptimisation {
        var setup = PPOSetup(samples: 256, minibatch: 64, seed: 3)
        (setup.ppo.epochs, setup.ppo.normalizeObservations, setup.ppo.logStdInit) = (10, normalise, -1)
        return setup.make(spec)
    }

    /// Mean squared distance between the policy's deterministic actions and the labels.
    static func cloningError(_ policy: PolicyNetwork, on dataset: LabelledDataset) -> Float {
        PolicyFitter(policy: policy, learningRate: 1e-3, batchSize: 64).agreement(with: dataset, limit: dataset.count)
    }

    @Test("the cloning term adds weight × the cloning loss's gradient to the gradient there, and takes no step")
    func gradientScalesWithWeight() throws {
        let dataset = Self.expertRows()
        let policy = Self.ppo().policy
        let before = policy.mlp.parameters.values
        func gradient(weight: Float) -> [Float] {
            policy.mlp.parameters.zeroGradients()
            var random = RandomSource(seed: 9)
            let loss = PolicyFitter(policy: policy, learningRate: 1e-3, batchSize: 32).accumulateGradient(dataset, weight: weight, random: &random)
            #expect(loss.isFinite && loss > 0)
            return policy.mlp.parameters.gradients
        }
        let once = gradient(weight: 1), thrice = gradient(weight: 3)
        #expect(once.contains { $0 != 0 })
        #expect(zip(once, thrice).allSatisfy { abs($1 - 3 * $0) <= 1e-5 * max(1, abs($1)) })
        #expect(policy.mlp.parameters.values == before, "accumulating must not step")
        // Added to what is there (PPO's gradient), not in its place.
        policy.mlp.parameters.zeroGradients()
        for index in policy.mlp.parameters.gradients.indices { policy.mlp.parameters.gradients[index] = 0.25 }
        var random = RandomSource(seed: 9)
        _ = PolicyFitter(policy: policy, learningRate: 1e-3, batchSize: 32).accumulateGradient(dataset, weight: 1, random: &random)
        #expect(zip(policy.mlp.parameters.gradients, once).allSatisfy { abs($0 - ($1 + 0.25)) <= 1e-5 })
    }

    @Test("the warm start clones the expert (its actions on its states) and starts the observation statistics from its states")
    func warmStartClones() throws {
        let dataset = Self.expertRows()
        let ppo = Self.ppo()
        let untrained = Self.cloningError(ppo.policy, on: dataset)
        var random = RandomSource(seed: 4)
        let loss = ppo.clone(dataset, steps: 3000, learningRate: 1e-3, random: &random)
        let cloned = Self.cloningError(ppo.policy, on: dataset)
        print("warm start: cloning error \(untrained) → \(cloned), final loss \(loss)")
        #expect(cloned < 0.3 * untrained)
        let rows = dataset.count, dim = dataset.observationDim
        let mean = (0..<dim).map { column in (0..<rows).map { dataset.observations[$0 * dim + column] }.reduce(0, +) / Float(rows) }
        #expect(zip(ppo.policy.inputShift, mean).allSatisfy { abs($0 - $1) < 1e-3 })
        // Without normalisation the inputs are left as they were.
        let raw = Self.ppo(normalise: false)
        raw.clone(dataset, steps: 10, learningRate: 1e-3, random: &random)
        #expect(raw.policy.inputShift.allSatisfy { $0 == 0 } && raw.policy.inputScale.allSatisfy { $0 == 1 })
    }

    @Test("PPO on rewards that carry no signal drifts away from a cloned policy; with the cloning term the policy keeps the expert's actions")
    func termHoldsTheClone() throws {
        let dataset = Self.expertRows()
        func drift(weight: Float) throws -> (cloned: Float, error: Float, loss: Double?) {
            let ppo = Self.ppo()
            var random = RandomSource(seed: 4)
            ppo.clone(dataset, steps: 3000, learningRate: 1e-3, random: &random)
            let cloned = Self.cloningError(ppo.policy, on: dataset)
            if weight > 0 { ppo.demonstrationTerm = (dataset, weight) }
            var collector = try RolloutCollectors.make(envID: Self.spec.id, envCount: 4, segmentSteps: 64, workerID: 1, seed: 2)
            var noise = RandomSource(seed: 8)
            var metrics: [Metric] = []
            for _ in 0..<15 {
                while !ppo.readyToTrain {
                    for var segment in collector.step(policy: ppo.policy, policyVersion: 1, plan: ppo.rolloutPlan, expertActions: nil) {
                        segment.rewards = segment.rewards.map { _ in noise.nextFloat() }
                        _ = ppo.ingest(segment)
                    }
                }
                metrics = ppo.trainIteration()
            }
            return (cloned, Self.cloningError(ppo.policy, on: dataset), metrics.first { $0.name == "demonstration_loss" }?.value)
        }
        let free = try drift(weight: 0), held = try drift(weight: 10)
        print("after 15 updates on noise: cloning error \(free.cloned) → \(free.error) without the term, → \(held.error) with it")
        #expect(free.cloned == held.cloned)
        #expect(free.error > 1.3 * free.cloned)
        #expect(held.error < 1.1 * held.cloned)
        #expect(free.loss == nil && held.loss.map { $0.isFinite && $0 > 0 } == true)
    }
}
