import NexusNN
import NexusPolicies
import NexusWire

/// What the learner process hosts: an algorithm that consumes trajectory segments, trains its
/// networks, and names the models (and the rollout plan) that workers should receive. It knows
/// nothing of sockets, so the same code runs in one process in tests and in the cluster.
/// GAIL, AIRL and MEGA-DAgger add networks and losses behind this same protocol.
public protocol ImitationAlgorithm: AnyObject {
    var name: String { get }
    /// Whether the algorithm needs rollout workers (offline BC does not).
    var usesWorkers: Bool { get }
    /// Completed training iterations.
    var iteration: Int { get }
    /// The policy being learned (deterministic evaluation acts with it).
    var policy: PolicyNetwork { get }
    /// What workers should do with the current weights.
    var rolloutPlan: RolloutPlan { get }
    /// Takes in one validated segment; returns the number of expert-labelled steps it held.
    func ingest(_ segment: TrajectorySegment) -> Int
    /// Whether enough new experience has arrived to train the next iteration.
    var readyToTrain: Bool { get }
    /// Trains one iteration; returns named losses for the metrics file.
    func trainIteration() -> [Metric]
    /// The models workers and checkpoints receive: the policy, the rollout plan, and any
    /// other networks (discriminator, reward, world model) the algorithm trains.
    func models() -> [Model]
    /// Optimiser moments, datasets and generator state: enough to continue exactly.
    func checkpointState() -> (tensors: [NamedTensor], random: [UInt64])
    func restore(models: [Model], tensors: [NamedTensor], random: [UInt64], iteration: Int) throws
    /// What the algorithm adds to `summary.json` (its dataset's bound, for example).
    func summaryFields() -> [String: any Sendable]
    /// Whether the learner itself may ask the expert (`statesToLabel`).
    var asksExpert: Bool { get }
    /// After an iteration: states (`[k, observationDim]`) the algorithm wants the expert to
    /// label now, not visited by any worker (MEGA-DAgger's imagined ones).
    func statesToLabel() -> [Float]
    /// The expert's labels (`[k, actionDim]`) for the states `statesToLabel` gave.
    func ingestLabels(observations: [Float], labels: [Float])
    /// Work before the first policy is published that may take a while (GAIL's and AIRL's
    /// warm start), reporting what it has done as text; nothing for most algorithms. A learner
    /// resuming from a checkpoint restores first, which makes it unnecessary.
    func prepare(progress: (String) -> Void)
}

extension ImitationAlgorithm {
    public func summaryFields() -> [String: any Sendable] { [:] }
    public var asksExpert: Bool { false }
    public func statesToLabel() -> [Float] { [] }
    public func ingestLabels(observations: [Float], labels: [Float]) {}
    public func prepare(progress: (String) -> Void) {}
}

/// Hyperparameters of supervised imitation (BC, DAgger, and MEGA-DAgger's policy): the run
/// configuration's `policy`, `training` and `dagger` sections as they are, and the run's seed.
public struct ImitationSettings: Sendable, Equatable {
    public var policy = PolicySettings()
    public var training = TrainingSettings()
    public var dagger = DAggerSettings()
    public var seed: UInt64 = 0

    public init(policy: PolicySettings = PolicySettings(), training: TrainingSettings = TrainingSettings(), dagger: DAggerSettings = DAggerSettings(), seed: UInt64 = 0) {
        (self.policy, self.training, self.dagger, self.seed) = (policy, training, dagger, seed)
    }
}
