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
