import NexusEnvironments
import NexusNN
import NexusTestKit
import NexusWire
import Testing

@testable import NexusAlgorithms

/// PPO's loop in one process (the in-process runner: the code a worker and the learner run,
/// without sockets), with rl-baselines3-zoo's tuned settings.
@Suite("PPO in one process")
struct PPOInProcessTests {
    static func cartPoleSettings(seed: UInt64) -> PPOSettings {
        var settings = PPOSettings()
        settings.samplesPerIteration = 256
        settings.minibatchSize = 256
        settings.epochs = 20
        settings.gamma = 0.98
        settings.gaeLambda = 0.8
        settings.learningRate = 1e-3
        settings.learningRateSchedule = .linear
        settings.clipRangeSchedule = .linear
        settings.scheduleSteps = 100_000
        settings.seed = seed
        return settings
    }

    @Test("PPO reaches 475 on CartPole-v1 with the zoo's settings", arguments: [UInt64(1), 2, 3])
    func cartPole(seed: UInt64) async throws {
        let outcome = try await offCooperativePool {
            var run = InProcessRunner.Settings(envID: "CartPole-v1", targetReturn: 475)
            (run.envs, run.segmentSteps, run.seed, run.maxEnvSteps) = (8, 32, seed, 100_000)
            let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
            return try InProcessRunner(settings: run, expert: nil).run(ProximalPolicyOptimisation(spec: spec, settings: Self.cartPoleSettings(seed: seed)))
        }
        print("PPO CartPole seed \(seed): \(outcome.envStepsToTarget.map(String.init) ?? "not reached") steps, \(outcome.iterations) iterations, \(outcome.seconds) s, eval \(outcome.evalReturn)")
        #expect(outcome.reachedTarget)
    }
}

extension PPOInProcessTests {
    @Test("a restored PPO checkpoint continues bit for bit (value network, both optimisers, observation statistics, schedules)")
    func checkpointContinuesExactly() throws {
        let spec = try EnvironmentRegistry.type(for: "Acrobot-v1").spec
        var settings = PPOSettings()
        (settings.samplesPerIteration, settings.epochs, settings.normaliseObservations) = (64, 2, true)
        (settings.learningRateSchedule, settings.scheduleSteps) = (.linear, 1000)
        let original = ProximalPolicyOptimisation(spec: spec, settings: settings)
        var collector = try RolloutCollectors.make(envID: spec.id, envCount: 4, segmentSteps: 16, workerID: 1, seed: 2)
        func collect(with policy: ProximalPolicyOptimisation) -> [TrajectorySegment] {
            var segments: [TrajectorySegment] = []
            while segments.count < 4 {
                segments += collector.step(policy: policy.policy, policyVersion: 1, plan: policy.rolloutPlan, expertActions: nil)
            }
            return segments
        }
        for segment in collect(with: original) { _ = original.ingest(segment) }
        _ = original.trainIteration()
        let (tensors, random) = original.checkpointState()
        let restored = ProximalPolicyOptimisation(spec: spec, settings: settings)
        try restored.restore(models: original.models(), tensors: tensors, random: random, iteration: original.iteration)
        #expect(restored.stepsTrained == original.stepsTrained)
        let next = collect(with: original)
        for segment in next {
            _ = original.ingest(segment)
            _ = restored.ingest(segment)
        }
        let originalMetrics = original.trainIteration(), restoredMetrics = restored.trainIteration()
        // Booleans: a failure here must not print every weight.
        let sameModels = original.models() == restored.models()
        let sameState = original.checkpointState().tensors == restored.checkpointState().tensors
        #expect(sameModels && sameState)
        #expect(originalMetrics == restoredMetrics)
        var broken = tensors
        broken.removeAll { $0.name == "adam.value.step" }
        #expect(throws: WireError.missingField("checkpoint.state.adam.value.step")) {
            try ProximalPolicyOptimisation(spec: spec, settings: settings).restore(models: original.models(), tensors: broken, random: random, iteration: 1)
        }
    }
}

extension PPOInProcessTests {
    @Test("target_kl stops an update's epochs once the approximate KL passes 1.5 × the target; 0 never stops")
    func klEarlyStop() throws {
        let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
        func epochsRun(targetKL: Float) throws -> Double {
            var settings = PPOSettings()
            (settings.samplesPerIteration, settings.minibatchSize, settings.epochs, settings.targetKL) = (128, 32, 5, targetKL)
            let ppo = ProximalPolicyOptimisation(spec: spec, settings: settings)
            var collector = try RolloutCollectors.make(envID: spec.id, envCount: 4, segmentSteps: 32, workerID: 1, seed: 5)
            while !ppo.readyToTrain {
                for segment in collector.step(policy: ppo.policy, policyVersion: 0, plan: ppo.rolloutPlan, expertActions: nil) { _ = ppo.ingest(segment) }
            }
            return try #require(ppo.trainIteration().first { $0.name == "epochs" }?.value)
        }
        #expect(try epochsRun(targetKL: 1e-7) == 1)
        #expect(try epochsRun(targetKL: 0) == 5)
    }
}
