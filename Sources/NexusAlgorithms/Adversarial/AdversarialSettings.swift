import NexusNN

/// Hyperparameters of the discriminator of GAIL and AIRL (the generator is PPO, `PPOSettings`).
public struct AdversarialSettings: Sendable, Equatable {
    /// GAIL (Ho & Ermon, 2016) or AIRL (Fu et al., 2018).
    public enum Method: String, Sendable, CaseIterable { case gail, airl }

    public var method: Method = .gail
    public var hiddenSizes = [64, 64]
    public var activation: Activation = .tanh
    public var learningRate: Float = 3e-4
    /// Discriminator steps per policy update, each on `batchSize` expert and as many policy
    /// transitions.
    public var updatesPerIteration = 2
    public var batchSize = 256
    public var spectralNormalisation = false
    /// R1 on expert inputs (`.zeroCentred`) or WGAN-GP on interpolates (`.oneCentred`).
    public var gradientPenalty: GradientPenalty?
    public var gradientPenaltyWeight: Float = 10
    /// Targets 1 − ε for expert and ε for policy transitions.
    public var labelSmoothing: Float = 0
    /// AIRL: the reward term g depends on the state only (the form that transfers).
    public var stateOnlyReward = true
    public var maxGradientNorm: Float = 10
    public var seed: UInt64 = 0

    public init() {}
}
