import NexusAlgorithms
import NexusEnvironments
import NexusNN
import NexusWire

/// `--algo ppo`: PPO with the environment's reward; no expert. Defaults per environment are
/// rl-baselines3-zoo's tuned PPO settings (`hyperparams/ppo.yml`), with the zoo's number of
/// environment copies split over the workers.
struct PPOBuilder: AlgorithmBuilder {
    let name = "ppo"
    let summary = "PPO on the environment's reward; no expert (trains experts)"
    let requirements: AlgorithmRequirements = [.rolloutWorkers, .environmentReward]
    let sections = ["ppo"]

    /// The zoo's values that differ from SB3's defaults.
    struct Tuned {
        var envs: Int, steps: Int, minibatch = 64, epochs = 10, gamma: Float = 0.99, lambda: Float = 0.95, learningRate: Float = 3e-4
        var linearSchedules = false, scheduleSteps = 1_000_000, normalise = false
        var clipRange: Float = 0.2, entropy: Float = 0, valueCoefficient: Float = 0.5, maxGradNorm: Float = 0.5
        /// The zoo's MuJoCo policies: 256 × 256 ReLU networks starting at σ = e⁻², PyTorch's
        /// uniform initial weights (`ortho_init=False`).
        var hiddenSizes = [64, 64], activation = Activation.tanh, logStdInit: Float = 0, orthogonalInit = true

        static func mujoco(steps: Int = 512, minibatch: Int, epochs: Int, gamma: Float, lambda: Float, learningRate: Float,
                           clipRange: Float, entropy: Float, valueCoefficient: Float, maxGradNorm: Float) -> Tuned {
            Tuned(envs: 1, steps: steps, minibatch: minibatch, epochs: epochs, gamma: gamma, lambda: lambda, learningRate: learningRate,
                  normalise: true, clipRange: clipRange, entropy: entropy, valueCoefficient: valueCoefficient, maxGradNorm: maxGradNorm,
                  hiddenSizes: [256, 256], activation: .relu, logStdInit: -2, orthogonalInit: false)
        }
    }

    /// By the environment's name; a `gym:` environment by its family (`gym:HalfCheetah-v5`
    /// takes the zoo's HalfCheetah-v3 settings: v5 changed no dynamics the settings depend on).
    static func tuned(for env: String) -> Tuned {
        let family = GymEnvironmentID.family(env)
        switch family {
        case "HalfCheetah":
            return .mujoco(minibatch: 64, epochs: 20, gamma: 0.98, lambda: 0.92, learningRate: 2.0633e-5,
                           clipRange: 0.1, entropy: 0.000401762, valueCoefficient: 0.58096, maxGradNorm: 0.8)
        case "Walker2d":
            // The zoo's Walker2d-v3 entry has no policy_kwargs: SB3's 64 × 64 tanh networks.
            var walker = Tuned.mujoco(minibatch: 32, epochs: 20, gamma: 0.99, lambda: 0.95, learningRate: 5.05041e-5,
                                      clipRange: 0.1, entropy: 0.000585045, valueCoefficient: 0.871923, maxGradNorm: 1)
            (walker.hiddenSizes, walker.activation, walker.logStdInit, walker.orthogonalInit) = ([64, 64], .tanh, 0, true)
            return walker
        case "Ant", "Hopper", "Swimmer":
            // The zoo's mujoco-defaults: SB3's PPO with normalisation (Swimmer: γ 0.9999). The
            // zoo's own Hopper-v3 entry (256 × 256 ReLU, σ = e⁻², γ 0.999, batch 512) learns to
            // stand still on Hopper-v5 (return ≈ 1,000), in SB3 as in Nexus; these hop.
            return Tuned(envs: 1, steps: 2048, gamma: family == "Swimmer" ? 0.9999 : 0.99, normalise: true)
        default:
            break
        }
        switch env {
        case "CartPole-v1":
            return Tuned(envs: 8, steps: 32, minibatch: 256, epochs: 20, gamma: 0.98, lambda: 0.8, learningRate: 1e-3, linearSchedules: true, scheduleSteps: 100_000)
        case "Acrobot-v1":
            return Tuned(envs: 16, steps: 256, epochs: 4, lambda: 0.94, normalise: true)
        case "Pendulum-v1":
            return Tuned(envs: 4, steps: 1024, gamma: 0.9, learningRate: 1e-3, scheduleSteps: 500_000)
        case "MountainCar-v0":
            return Tuned(envs: 16, steps: 16, epochs: 4, lambda: 0.98, normalise: true)
        default:
            return Tuned(envs: 8, steps: 256)
        }
    }

    func applyDefaults(to config: inout RunConfig) {
        let tuned = Self.tuned(for: config.env)
        // One update sees the zoo's batch (copies × steps): its copies split over the workers,
        // and where there are more workers than copies (one copy a worker at least), the steps.
        let workers = max(1, config.workers)
        config.worker.envs = max(1, tuned.envs / workers)
        let copies = config.worker.envs * workers
        config.worker.segmentSteps = copies > tuned.envs ? max(1, tuned.envs * tuned.steps / copies) : tuned.steps
        config.training.samplesPerIteration = copies * config.worker.segmentSteps
        config.policy.batchSize = tuned.minibatch
        config.policy.learningRate = tuned.learningRate
        config.policy.hiddenSizes = tuned.hiddenSizes
        config.policy.activation = tuned.activation
        config.ppo.epochs = tuned.epochs
        config.ppo.gamma = tuned.gamma
        config.ppo.gaeLambda = tuned.lambda
        config.ppo.learningRateSchedule = tuned.linearSchedules ? .linear : .constant
        config.ppo.clipRangeSchedule = tuned.linearSchedules ? .linear : .constant
        config.ppo.scheduleSteps = tuned.scheduleSteps
        config.ppo.normalizeObservations = tuned.normalise
        config.ppo.normalizeRewards = tuned.normalise
        config.ppo.clipRange = tuned.clipRange
        config.ppo.entropyCoefficient = tuned.entropy
        config.ppo.valueCoefficient = tuned.valueCoefficient
        config.ppo.maxGradNorm = tuned.maxGradNorm
        config.ppo.logStdInit = tuned.logStdInit
        config.ppo.orthogonalInit = tuned.orthogonalInit
    }

    func maxPolicyLag(_ config: RunConfig) -> Int { config.ppo.maxPolicyLag }

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        let ppo = config.makePPO(spec: spec)
        if !config.ppo.reward.isEmpty { ppo.learnedReward = try Self.learnedReward(config.ppo.reward, spec: spec, gamma: config.ppo.gamma) }
        return ppo
    }

    /// The `learned_reward` model of a gail or airl checkpoint, checked against the environment.
    static func learnedReward(_ path: String, spec: EnvironmentSpec, gamma: Float) throws -> LearnedReward {
        let checkpoint: Checkpoint
        do {
            checkpoint = try CheckpointFile.read(path)
        } catch {
            throw RuntimeError("ppo.reward: \(error)")
        }
        guard checkpoint.envID == spec.id else { throw RuntimeError("ppo.reward: \(path) holds a reward for \(checkpoint.envID), not \(spec.id)") }
        guard let model = checkpoint.weights.models.first(where: { $0.kind == .discriminator || $0.kind == .reward }) else {
            throw RuntimeError("ppo.reward: \(path) holds no learned reward (a gail or airl checkpoint has one)")
        }
        do {
            return try LearnedReward(model: model, spec: spec, gamma: gamma)
        } catch {
            throw RuntimeError("ppo.reward: \(path): \(error)")
        }
    }
}

extension RunConfig {
    /// PPO as the `policy`, `training` and `ppo` sections set it.
    public func makePPO(spec: EnvironmentSpec) -> ProximalPolicyOptimisation {
        ProximalPolicyOptimisation(spec: spec, policy: policy, samplesPerIteration: training.samplesPerIteration, settings: ppo, seed: seed)
    }
}
