import NexusRandom

public enum ActionSpace: Sendable, Equatable {
    /// Actions 0..<n, carried as one float holding the index.
    case discrete(Int)
    /// Continuous actions, clipped to the bounds by the environment.
    case box(low: [Float], high: [Float])

    public var dimension: Int {
        switch self {
        case .discrete: return 1
        case .box(let low, _): return low.count
        }
    }

    /// What a policy network outputs for this space: one logit per choice, or one mean per
    /// dimension.
    public var policyOutputs: Int {
        switch self {
        case .discrete(let count): return count
        case .box(let low, _): return low.count
        }
    }

    /// The number of choices of a discrete space (nil for a box).
    public var discreteCount: Int? {
        if case .discrete(let count) = self { return count }
        return nil
    }
}

public struct EnvironmentSpec: Sendable, Equatable {
    public let id: String
    public let observationDim: Int
    public let actionSpace: ActionSpace
    /// Gymnasium's TimeLimit: the step that reaches it is truncated.
    public let maxEpisodeSteps: Int
    /// The return Gymnasium's registry calls solved, if any.
    public let rewardThreshold: Double?
    /// Names of `Environment.state`, in Gymnasium's `env.unwrapped.state` order.
    public let stateNames: [String]

    /// Gymnasium's keyword arguments of the environment, with their defaults.
    public let argumentDefaults: [String: Double]
    /// The keyword arguments Gymnasium takes as booleans (written as JSON booleans where
    /// Gymnasium's own files are read, e.g. a Minari dataset's env spec).
    public let booleanArguments: Set<String>

    /// The Python class this environment reimplements (`module:Class`, Gymnasium's registry
    /// `entry_point`), and its vectorised twin if Gymnasium has one: what an env spec written
    /// for Gymnasium (Minari) names so that `gymnasium.make` can rebuild it.
    public let gymnasiumEntryPoint: String?
    public let gymnasiumVectorEntryPoint: String?

    public init(
        id: String, observationDim: Int, actionSpace: ActionSpace, maxEpisodeSteps: Int, rewardThreshold: Double?, stateNames: [String],
        argumentDefaults: [String: Double] = [:], booleanArguments: Set<String> = [], gymnasiumEntryPoint: String? = nil, gymnasiumVectorEntryPoint: String? = nil
    ) {
        self.argumentDefaults = argumentDefaults
        self.booleanArguments = booleanArguments
        self.gymnasiumEntryPoint = gymnasiumEntryPoint
        self.gymnasiumVectorEntryPoint = gymnasiumVectorEntryPoint
        self.id = id
        self.observationDim = observationDim
        self.actionSpace = actionSpace
        self.maxEpisodeSteps = maxEpisodeSteps
        self.rewardThreshold = rewardThreshold
        self.stateNames = stateNames
    }
}

/// A Gymnasium classic-control environment, reproduced operation for operation (float64
/// state, float32 observations, NumPy 2's float32 arithmetic where Gymnasium has it).
/// Episodes end by termination here; the time limit is counted by the caller
/// (`EpisodeRunner`, vector environments), as Gymnasium's TimeLimit wrapper does.
public protocol Environment: Sendable {
    static var spec: EnvironmentSpec { get }
    init()
    /// Gymnasium's `env.unwrapped.state`.
    var state: [Double] { get set }
    /// Draws a start state from Gymnasium's reset distribution, with Nexus's generator.
    mutating func reset(random: inout RandomSource)
    /// Applies one action (`spec.actionSpace.dimension` values); returns the reward and
    /// whether the episode terminated.
    mutating func step(_ action: UnsafeBufferPointer<Float>) -> (reward: Double, terminated: Bool)
    /// Writes the current observation (`spec.observationDim` values).
    func observe(into observation: UnsafeMutableBufferPointer<Float>)
    /// Takes Gymnasium's keyword arguments (names already checked against
    /// `spec.argumentDefaults`).
    mutating func apply(_ arguments: EnvironmentArguments)
    /// Whether an observation lies in the environment's unsafe region (documented on each
    /// environment): near a failure or a limit. Read from the observation, so that a world
    /// model's predicted observations can be judged too (MEGA-DAgger's safety lookahead);
    /// entering the region is an unsafe event in every run's counts.
    static func isUnsafe(observation: UnsafeBufferPointer<Float>) -> Bool
}

extension Environment {
    /// An environment without keyword arguments ignores them (names are checked before).
    public mutating func apply(_ arguments: EnvironmentArguments) {}

    /// Whether the current state is unsafe (its observation is).
    public var isUnsafe: Bool {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.spec.observationDim) { buffer in
            observe(into: buffer)
            return Self.isUnsafe(observation: UnsafeBufferPointer(buffer))
        }
    }

    public func observation() -> [Float] {
        [Float](unsafeUninitializedCapacity: Self.spec.observationDim) { buffer, count in
            observe(into: buffer)
            count = Self.spec.observationDim
        }
    }

    public mutating func step(_ action: [Float]) -> (reward: Double, terminated: Bool) {
        action.withUnsafeBufferPointer { step($0) }
    }
}

