import NexusAlgorithms
import NexusEnvironments
import NexusNN

/// `--algo gail` and `--algo airl`: a discriminator in the learner, PPO as the generator on
/// the learned reward, expert transitions from a demonstration file. The generator takes PPO's
/// tuned defaults for the environment, with reward normalisation on (learned rewards have no
/// fixed scale).
struct AdversarialBuilder: AlgorithmBuilder {
    let method: AdversarialSettings.Method
    var name: String { method.rawValue }
    var summary: String {
        method == .gail
            ? "GAIL: PPO on a discriminator's reward (--demos)"
            : "AIRL: PPO on a learned, transferable reward (--demos)"
    }
    let requirements: AlgorithmRequirements = [.demonstrations, .rolloutWorkers]
    let sections = ["ppo", "adversarial"]

    func applyDefaults(to config: inout RunConfig) {
        PPOBuilder().applyDefaults(to: &config)
        // The reward moves as the discriminator learns: no fixed scale (normalised), and no
        // schedule that ends learning at a step count tuned for the environment's reward.
        config.ppo.normalizeRewards = true
        config.ppo.learningRateSchedule = .constant
        config.ppo.clipRangeSchedule = .constant
        // A small entropy bonus keeps the policy from settling on one action before the
        // discriminator's reward is informative: GAIL CartPole without it failed 1 seed in 4
        // within 200k steps, with it 4 of 4 reached 475 in 15k–48k.
        config.ppo.entropyCoefficient = 0.01
    }

    func validate(_ config: RunConfig) throws {
        try DemonstrationSource.require(config, algorithm: name)
        try ConfigError.require(config.ppo.reward.isEmpty, "ppo.reward", config.ppo.reward, "a learned reward is for --algo ppo; \(name) learns its own")
    }

    func maxPolicyLag(_ config: RunConfig) -> Int { config.ppo.maxPolicyLag }

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        AdversarialImitation(
            spec: spec, method: method, generator: config.makePPO(spec: spec), settings: config.adversarial, seed: config.seed,
            demonstrations: try DemonstrationSource.load(config, spec: spec))
    }
}
