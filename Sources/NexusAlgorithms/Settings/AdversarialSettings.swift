import NexusNN

/// The discriminator of GAIL (Ho & Ermon, 2016) and AIRL (Fu et al., 2018): the run
/// configuration's `adversarial` section, read as it is. The generator is PPO (`PPOSettings`).
public struct AdversarialSettings: Codable, Sendable, Equatable {
    /// GAIL or AIRL: the algorithm's name, not a key of the section.
    public enum Method: String, Sendable, CaseIterable { case gail, airl }

    /// none, r1 (zero-centred, on expert inputs) or wgan-gp (one-centred, on interpolates).
    public enum Penalty: String, Codable, Sendable, CaseIterable {
        case none, r1, wganGP = "wgan-gp"
        /// The network's penalty, nil for none.
        public var gradientPenalty: GradientPenalty? {
            switch self {
            case .none: return nil
            case .r1: return .zeroCentred
            case .wganGP: return .oneCentred
            }
        }
    }

    public var hiddenSizes = [64, 64]
    public var activation = Activation.tanh
    public var learningRate: Float = 3e-4
    /// Discriminator steps per policy update, each on `batchSize` expert and as many policy
    /// transitions.
    public var updatesPerIteration = 2
    public var batchSize = 256
    public var spectralNorm = false
    public var gradientPenalty = Penalty.none
    public var gradientPenaltyWeight: Float = 10
    /// Targets 1 − ε for expert and ε for policy transitions.
    public var labelSmoothing: Float = 0
    /// AIRL: the reward term g depends on the state only (the form that transfers).
    public var stateOnlyReward = true
    public var maxGradNorm: Float = 10
    /// Behaviour-cloning steps on the demonstrations before the first rollout (0: none), at
    /// `warmStartLearningRate`, minibatches of the policy's batch size.
    public var warmStartSteps = 10_000
    public var warmStartLearningRate: Float = 1e-3
    /// Weight of the behaviour-cloning term in each PPO minibatch's loss (0: none). Measured on
    /// HalfCheetah-v5 (GAIL, warm-started, 200k env steps): weight 1 let the policy drift from
    /// 5,400 to 2,100–3,200, weight 10 held 4,300–5,400; with 10 unchanged, Walker2d-v5 held
    /// 3,400–4,690 and Hopper-v5 reached 3,405.
    public var demonstrationWeight: Float = 10

    public init() {}
}
