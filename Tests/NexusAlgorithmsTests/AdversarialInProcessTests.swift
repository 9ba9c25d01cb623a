import Foundation
import NexusDemonstrations
import NexusEnvironments
import NexusNN
import NexusTestKit
import NexusWire
import Testing

@testable import NexusAlgorithms

/// GAIL and AIRL in one process (the learner's and the workers' code without sockets), from
/// 20 expert episodes, with PPO's zoo settings for CartPole as the generator.
@Suite("GAIL and AIRL in one process")
struct AdversarialInProcessTests {
    @Test("pure GAIL and AIRL (no warm start, no cloning term) reach 475 on CartPole-v1 from 20 expert episodes", arguments: [AdversarialSettings.Method.gail, .airl])
    func cartPole(method: AdversarialSettings.Method) async throws {
        let outcome = try await offCooperativePool {
            let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
            let demos = DemonstrationRecorder.record(CartPole.self, expert: CartPoleExpert(), episodes: 20, seed: 11, nexusVersion: "test")
            var ppo = PPOInProcessTests.cartPoleSettings(seed: 1)
            // As the gail and airl builders set them: a learned reward, no schedule to 0.
            (ppo.ppo.normalizeRewards, ppo.ppo.learningRateSchedule, ppo.ppo.clipRangeSchedule, ppo.ppo.entropyCoefficient) = (true, .constant, .constant, 0.01)
            var run = InProcessRunner.Settings(envID: "CartPole-v1", targetReturn: 475)
            (run.envs, run.segmentSteps, run.seed, run.maxEnvSteps) = (8, 32, 1, 200_000)
            // Pure GAIL and AIRL: no warm start, no cloning term (those alone reach 475 here).
            let algorithm = AdversarialImitation(
                spec: spec, method: method, generator: ppo.make(spec), settings: AdversarialTests.pureAdversarial, seed: 1, demonstrations: demos.episodes)
            return try InProcessRunner(settings: run, expert: nil).run(algorithm)
        }
        print("\(method) CartPole: \(outcome.envStepsToTarget.map(String.init) ?? "not reached") steps, eval \(outcome.evalReturn), \(outcome.seconds) s")
        #expect(outcome.reachedTarget)
        #expect(outcome.expertQueries == 0)
        #expect(outcome.lastMetrics.contains { $0.name == "discriminator_loss" })
    }
}

extension AdversarialInProcessTests {
    @Test("a restored GAIL or AIRL checkpoint continues bit for bit (discriminator, its optimisers, the generator)", arguments: [AdversarialSettings.Method.gail, .airl])
    func checkpointContinuesExactly(method: AdversarialSettings.Method) throws {
        let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
        let demos = DemonstrationRecorder.record(CartPole.self, expert: CartPoleExpert(), episodes: 2, seed: 3, nexusVersion: "test")
        var ppo = PPOSetup(samples: 64, minibatch: 32)
        ppo.ppo.epochs = 2
        var adversarial = AdversarialSettings()
        // A short warm start; the cloning term (on by default) draws from the generator's
        // random source, which the checkpoint carries.
        (adversarial.batchSize, adversarial.warmStartSteps) = (32, 20)
        func make() -> AdversarialImitation {
            AdversarialImitation(spec: spec, method: method, generator: ppo.make(spec), settings: adversarial, seed: 0, demonstrations: demos.episodes)
        }
        let original = make()
        var collector = try RolloutCollectors.make(envID: spec.id, envCount: 4, segmentSteps: 16, workerID: 1, seed: 2)
        func collect() -> [TrajectorySegment] {
            var segments: [TrajectorySegment] = []
            while segments.count < 4 { segments += collector.step(policy: original.policy, policyVersion: 1, plan: original.rolloutPlan, expertActions: nil) }
            return segments
        }
        for segment in collect() { _ = original.ingest(segment) }
        _ = original.trainIteration()
        let (tensors, random) = original.checkpointState()
        let restored = make()
        try restored.restore(models: original.models(), tensors: tensors, random: random, iteration: original.iteration)
        for segment in collect() {
            _ = original.ingest(segment)
            _ = restored.ingest(segment)
        }
        // Timings aside, every figure agrees.
        let untimed = { (metrics: [Metric]) in metrics.filter { !$0.name.hasSuffix("_seconds") } }
        let originalMetrics = untimed(original.trainIteration()), restoredMetrics = untimed(restored.trainIteration())
        let sameModels = original.models() == restored.models()
        let sameState = original.checkpointState().tensors == restored.checkpointState().tensors
        #expect(sameModels && sameState)
        #expect(originalMetrics == restoredMetrics)
    }
}

extension AdversarialInProcessTests {
    @Test("the absorbing state's reward is the optimal discriminator's: the ratio of how often each side ends, counted over the run")
    func absorbingFrequencies() {
        var never = AbsorbingFrequencies(expertAbsorbing: 0, expertTransitions: 1000)
        #expect(never.optimalDiscriminator == nil && never.reward(.gail) == nil, "nobody ended: unused")
        never.record(absorbing: 5, transitions: 500)
        // The expert never ends: D* = 0, held at the limit; GAIL ≈ 0, AIRL very negative.
        #expect(never.optimalDiscriminator == AbsorbingFrequencies.limit)
        #expect(abs(never.reward(.gail)! - 1e-4) < 1e-6)
        #expect(abs(never.reward(.airl)! - log(Float(1e-4) / (1 - 1e-4))) < 1e-3)
        // The expert ends (reaches a goal) 1 in 100, the policy not yet: ending is the expert's.
        var goal = AbsorbingFrequencies(expertAbsorbing: 10, expertTransitions: 1000)
        goal.record(absorbing: 0, transitions: 4096)
        #expect(goal.optimalDiscriminator == 1 - AbsorbingFrequencies.limit)
        #expect(goal.reward(.gail)! > 9 && goal.reward(.airl)! > 9)
        // Counted over the run: equal shares give 1/2 (AIRL's reward 0), and one update
        // without an end moves it a little, not to "expert".
        goal.record(absorbing: 60, transitions: 1904)
        #expect(abs(goal.optimalDiscriminator! - 0.5) < 1e-6 && abs(goal.reward(.airl)!) < 1e-5)
        goal.record(absorbing: 0, transitions: 600)
        #expect(goal.optimalDiscriminator! > 0.5 && goal.optimalDiscriminator! < 0.6)
        var restored = AbsorbingFrequencies(expertAbsorbing: 10, expertTransitions: 1000)
        #expect(throws: Never.self) { try restored.restore(goal.state) }
        #expect(restored == goal)
        // Counts past 2^24 come back exactly; a malformed entry is refused.
        var long = AbsorbingFrequencies(expertAbsorbing: 0, expertTransitions: 10)
        long.record(absorbing: 123_457, transitions: 50_000_001)
        var back = AbsorbingFrequencies(expertAbsorbing: 0, expertTransitions: 10)
        #expect(throws: Never.self) { try back.restore(long.state) }
        #expect(back == long)
        #expect(throws: WireError.self) { try back.restore([1, 2.5, 0, 0]) }
    }

    @Test("GAIL and AIRL train on the optimal discriminator's absorbing reward: demonstrations that never end make ending the policy's", arguments: [AdversarialSettings.Method.gail, .airl])
    func absorbingRewardInTraining(method: AdversarialSettings.Method) throws {
        let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
        // The expert's 500-step episodes are truncated, never terminated.
        let demos = DemonstrationRecorder.record(CartPole.self, expert: CartPoleExpert(), episodes: 2, seed: 3, nexusVersion: "test")
        #expect(demos.episodes.allSatisfy { !$0.terminated.contains(true) })
        // 64 steps a copy: an untrained policy drops the pole within that.
        var ppo = PPOSetup(samples: 256, minibatch: 64)
        ppo.ppo.epochs = 1
        let algorithm = AdversarialImitation(spec: spec, method: method, generator: ppo.make(spec), settings: AdversarialTests.pureAdversarial, seed: 0, demonstrations: demos.episodes)
        var collector = try RolloutCollectors.make(envID: spec.id, envCount: 4, segmentSteps: 16, workerID: 1, seed: 2)
        var metrics: [Metric] = []
        while metrics.isEmpty {
            for segment in collector.step(policy: algorithm.policy, policyVersion: 1, plan: algorithm.rolloutPlan, expertActions: nil) {
                _ = algorithm.ingest(segment)
                if algorithm.readyToTrain { metrics = algorithm.trainIteration() }
            }
        }
        let used = try #require(metrics.first { $0.name == "absorbing_reward" }?.value)
        #expect(Float(used) == algorithm.absorbing.reward(method))
        #expect(method == .gail ? used < 1e-3 : used < -9)
    }
}
