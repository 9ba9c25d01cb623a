import NexusNN

/// The policy network and its optimiser: the run configuration's `policy` section, read as it
/// is by every algorithm that trains a policy.
public struct PolicySettings: Codable, Sendable, Equatable {
    public var hiddenSizes = [64, 64]
    public var activation = Activation.tanh
    /// Adam's learning rate.
    public var learningRate: Float = 1e-3
    /// Rows per gradient step (PPO: its minibatch).
    public var batchSize = 128
    /// Supervised learners (BC, DAgger, MEGA-DAgger): the policy they publish and evaluate is
    /// the exponential average of the optimiser's iterates with this decay per step (0.999: a
    /// window of about 1,000 steps, three of DAgger's iterations); 0: the last iterate. Off by
    /// default: it lifts DAgger on the MuJoCo table but slows DAgger from three imperfect
    /// experts on Pendulum-v1 27-fold (docs/ALGORITHMS.md, DAgger).
    public var weightAverage: Float = 0

    public init() {}
}

/// How much each iteration learns from: the run configuration's `training` section.
public struct TrainingSettings: Codable, Sendable, Equatable {
    public var gradientStepsPerIteration = 300
    /// New expert labels (DAgger) or env steps (PPO, GAIL, AIRL) before each iteration.
    public var samplesPerIteration = 256
    /// Labelled rows kept (a reservoir sample beyond).
    public var datasetCapacity = 500_000
    public var maxIterations = 10_000

    public init() {}
}
