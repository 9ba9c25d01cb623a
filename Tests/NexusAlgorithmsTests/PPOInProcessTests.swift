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
    static func cartPoleSettings(seed: UInt64) -> PPOSetup {
        var setup = PPOSetup(samples: 256, minibatch: 256, seed: seed)
        setup.policy.learningRate = 1e-3
        (setup.ppo.epochs, setup.ppo.gamma, setup.ppo.gaeLambda) = (20, 0.98, 0.8)
        (setup.ppo.learningRateSchedule, setup.ppo.clipRangeSchedule, setup.ppo.scheduleSteps) = (.linear, .linear, 100_000)
        return setup
    }

    @Test("PPO reaches 475 on CartPole-v1 with the zoo's settings", arguments: [UInt64(1), 2, 3])
    func cartPole(seed: UInt64) async throws {
        let outcome = try await offCooperativePool {
            var run = InProcessRunner.Settings(envID: "CartPole-v1", targetReturn: 475)
            (run.envs, run.segmentSteps, run.seed, run.maxEnvSteps) = (8, 32, seed, 100_000)
            let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
            return try InProcessRunner(settings: run, expert: nil).run(Self.cartPoleSettings(seed: seed).make(spec))
        }
        print("PPO CartPole seed \(seed): \(outcome.envStepsToTarget.map(String.init) ?? "not reached") steps, \(outcome.iterations) iterations, \(outcome.seconds) s, eval \(outcome.evalReturn)")
        #expect(outcome.reachedTarget)
    }
}

extension PPOInProcessTests {
    @Test("a restored PPO checkpoint continues bit for bit (value network, both optimisers, observation statistics, schedules)")
    func checkpointContinuesExactly() throws {
        let spec = try EnvironmentRegistry.type(for: "Acrobot-v1").spec
        var settings = PPOSetup(samples: 64)
        (settings.ppo.epochs, settings.ppo.normalizeObservations) = (2, true)
        (settings.ppo.learningRateSchedule, settings.ppo.scheduleSteps) = (.linear, 1000)
        let original = settings.make(spec)
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
        let restored = settings.make(spec)
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
            try settings.make(spec).restore(models: original.models(), tensors: broken, random: random, iteration: 1)
        }
    }
}

extension PPOInProcessTests {
    @Test("target_kl stops an update's epochs once the approximate KL passes 1.5 × the target; 0 never stops")
    func klEarlyStop() throws {
        let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
        func epochsRun(targetKL: Float) throws -> Double {
            var settings = PPOSetup(samples: 128, minibatch: 32)
            (settings.ppo.epochs, settings.ppo.targetKl) = (5, targetKL)
            let ppo = settings.make(spec)
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

/// PPO as a test sets it up: SB3's learning rate and minibatch unless given, the `ppo`
/// section's defaults otherwise.
struct PPOSetup {
    var policy = PolicySettings()
    var samples: Int
    var ppo = PPOSettings()
    var seed: UInt64

    init(samples: Int = 2048, minibatch: Int = 64, seed: UInt64 = 0) {
        (policy.learningRate, policy.batchSize) = (3e-4, minibatch)
        (self.samples, self.seed) = (samples, seed)
    }

    func make(_ spec: EnvironmentSpec) -> ProximalPolicyOptimisation {
        ProximalPolicyOptimisation(spec: spec, policy: policy, samplesPerIteration: samples, settings: ppo, seed: seed)
    }
}
