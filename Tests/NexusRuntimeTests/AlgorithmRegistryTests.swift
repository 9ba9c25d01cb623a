import NexusAlgorithms
import NexusEnvironments
import NexusNN
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
        #expect(two.ppo.learningRateSchedule == .linear && two.ppo.clipRangeSchedule == .linear)
        #expect(try two.algorithm.maxPolicyLag(two) == 1)
        let four = try ConfigLoader.load(overrides: ["algo=ppo", "workers=4"])
        #expect((four.worker.envs, four.training.samplesPerIteration) == (2, 256))
        // More workers than the zoo's copies: one copy each, the steps split, the batch kept.
        let sixteen = try ConfigLoader.load(overrides: ["algo=ppo", "workers=16"])
        #expect((sixteen.worker.envs, sixteen.worker.segmentSteps, sixteen.training.samplesPerIteration) == (1, 16, 256))
        let acrobot = try ConfigLoader.load(overrides: ["algo=ppo", "env=Acrobot-v1", "workers=2", "ppo.epochs=7"])
        #expect(acrobot.ppo.normalizeObservations && acrobot.ppo.normalizeRewards)
        #expect((acrobot.worker.envs, acrobot.worker.segmentSteps, acrobot.ppo.epochs) == (8, 256, 7))
        let ppo = acrobot.makePPO(spec: Acrobot.spec)
        #expect(ppo.settings.epochs == 7 && ppo.samplesPerIteration == 4096 && ppo.settings.normalizeObservations)
        // DAgger's defaults are untouched by PPO's.
        let dagger = try ConfigLoader.load(overrides: ["workers=2"])
        #expect((dagger.worker.envs, dagger.worker.segmentSteps, dagger.policy.batchSize) == (8, 8, 128))
        #expect(try dagger.algorithm.maxPolicyLag(dagger) == .max, "DAgger keeps labels from any policy version")
    }

    @Test("PPO on a gym: MuJoCo environment takes the zoo's settings for its family (any version, any module), 256 × 256 ReLU where the zoo has them; others keep SB3's")
    func ppoMuJoCoDefaults() throws {
        let cheetah = RunConfig.defaults(for: "gym:HalfCheetah-v5", algo: "ppo", workers: 2)
        #expect((cheetah.worker.envs, cheetah.worker.segmentSteps, cheetah.training.samplesPerIteration) == (1, 256, 512))
        #expect((cheetah.policy.hiddenSizes, cheetah.policy.activation, cheetah.ppo.logStdInit, cheetah.ppo.orthogonalInit) == ([256, 256], Activation.relu, -2, false))
        #expect((cheetah.policy.batchSize, cheetah.policy.learningRate, cheetah.ppo.epochs, cheetah.ppo.gamma, cheetah.ppo.gaeLambda) == (64, 2.0633e-5, 20, 0.98, 0.92))
        #expect((cheetah.ppo.clipRange, cheetah.ppo.entropyCoefficient, cheetah.ppo.valueCoefficient, cheetah.ppo.maxGradNorm) == (0.1, 0.000401762, 0.58096, 0.8))
        #expect(cheetah.ppo.normalizeObservations && cheetah.ppo.normalizeRewards)
        #expect(RunConfig.defaults(for: "gym:my_robots:HalfCheetah-v4", algo: "ppo").policy.learningRate == 2.0633e-5)
        let walker = RunConfig.defaults(for: "gym:Walker2d-v5", algo: "ppo")
        #expect((walker.policy.hiddenSizes, walker.policy.activation, walker.ppo.epochs, walker.ppo.clipRange, walker.ppo.orthogonalInit) == ([64, 64], Activation.tanh, 20, 0.1, true))
        let hopper = RunConfig.defaults(for: "gym:Hopper-v5", algo: "ppo")
        #expect((hopper.ppo.gamma, hopper.policy.hiddenSizes, hopper.ppo.logStdInit) == (0.99, [64, 64], 0))
        let ant = RunConfig.defaults(for: "gym:Ant-v5", algo: "ppo", workers: 2)
        #expect((ant.worker.segmentSteps, ant.training.samplesPerIteration, ant.ppo.normalizeObservations) == (1024, 2048, true))
        let other = RunConfig.defaults(for: "gym:LunarLander-v3", algo: "ppo")
        #expect((other.policy.hiddenSizes, other.ppo.clipRange, other.ppo.normalizeObservations) == ([64, 64], 0.2, false))
        // The generator of GAIL takes the same networks.
        #expect(RunConfig.defaults(for: "gym:HalfCheetah-v5", algo: "gail").policy.hiddenSizes == [256, 256])
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
