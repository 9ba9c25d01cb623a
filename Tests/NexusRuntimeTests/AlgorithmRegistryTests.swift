import NexusAlgorithms
import NexusEnvironments
import Testing

@testable import NexusRuntime

/// The registry is the one place that knows the algorithms: names, requirements, tuned
/// defaults split over the workers, validation of each algorithm's own section.
@Suite("Algorithm registry")
struct AlgorithmRegistryTests {
    @Test func everyAlgorithmIsRegisteredOnceWithItsNeeds() throws {
        #expect(AlgorithmRegistry.names == ["bc", "dagger", "mega-dagger", "ppo", "gail", "airl"])
        #expect(try AlgorithmRegistry.builder(named: "bc").requirements == [.demonstrations])
        #expect(try AlgorithmRegistry.builder(named: "dagger").requirements == [.expert, .rolloutWorkers])
        #expect(try AlgorithmRegistry.builder(named: "ppo").requirements == [.rolloutWorkers, .environmentReward])
        #expect(try AlgorithmRegistry.builder(named: "gail").requirements == [.demonstrations, .rolloutWorkers])
        #expect(try AlgorithmRegistry.builder(named: "mega-dagger").requirements == [.expert, .rolloutWorkers])
        #expect(throws: ConfigError("config key \"algo\" = sac: unknown algorithm (known: bc, dagger, mega-dagger, ppo, gail, airl)")) {
            try AlgorithmRegistry.builder(named: "sac")
        }
        for name in AlgorithmRegistry.names { #expect(AlgorithmRegistry.helpText.contains("  \(name) ")) }
    }

    @Test("PPO takes the zoo's CartPole settings, its 8 envs split over the workers; the user's values win")
    func ppoDefaults() throws {
        let two = try ConfigLoader.load(overrides: ["algo=ppo", "workers=2"])
        #expect((two.worker.envs, two.worker.segmentSteps, two.training.samplesPerIteration) == (4, 32, 256))
        #expect((two.policy.batchSize, two.ppo.epochs, two.ppo.gamma, two.ppo.gaeLambda) == (256, 20, 0.98, 0.8))
        #expect(two.ppo.learningRateSchedule == "linear" && two.ppo.clipRangeSchedule == "linear")
        #expect(try two.algorithm.maxPolicyLag(two) == 1)
        let four = try ConfigLoader.load(overrides: ["algo=ppo", "workers=4"])
        #expect((four.worker.envs, four.training.samplesPerIteration) == (2, 256))
        let acrobot = try ConfigLoader.load(overrides: ["algo=ppo", "env=Acrobot-v1", "workers=2", "ppo.epochs=7"])
        #expect(acrobot.ppo.normalizeObservations && acrobot.ppo.normalizeRewards)
        #expect((acrobot.worker.envs, acrobot.worker.segmentSteps, acrobot.ppo.epochs) == (8, 256, 7))
        let settings = acrobot.ppoSettings
        #expect(settings.epochs == 7 && settings.samplesPerIteration == 4096 && settings.normaliseObservations)
        // DAgger's defaults are untouched by PPO's.
        let dagger = try ConfigLoader.load(overrides: ["workers=2"])
        #expect((dagger.worker.envs, dagger.worker.segmentSteps, dagger.policy.batchSize) == (8, 8, 128))
        #expect(try dagger.algorithm.maxPolicyLag(dagger) == .max, "DAgger keeps labels from any policy version")
    }

    @Test("each builder makes the algorithm its name says, for the environment's spaces")
    func builders() throws {
        let config = try ConfigLoader.load(overrides: ["algo=ppo", "env=Pendulum-v1"])
        let spec = try EnvironmentRegistry.type(for: "Pendulum-v1").spec
        let ppo = try config.algorithm.makeAlgorithm(config: config, spec: spec)
        #expect(ppo.name == "ppo" && ppo.usesWorkers && ppo.policy.head == .gaussian)
        #expect(ppo.rolloutPlan == RolloutPlan(acting: .sample))
        let dagger = try ConfigLoader.load(overrides: ["env=Acrobot-v1"])
        let algorithm = try dagger.algorithm.makeAlgorithm(config: dagger, spec: try EnvironmentRegistry.type(for: "Acrobot-v1").spec)
        #expect(algorithm.name == "dagger" && algorithm.rolloutPlan.queryRule == .all)
    }
}
