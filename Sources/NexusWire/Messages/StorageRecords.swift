/// Everything a learner needs to continue a run exactly where it stopped.
public struct Checkpoint: Sendable, Equatable {
    public static let formatVersion: UInt32 = 1

    public var runID: String
    public var algo: String
    public var envID: String
    public var iteration: UInt64
    public var weights: Weights
    public var optimizerState: [NamedTensor]
    public var counters: [Metric]
    public var runConfig: String
    public var rngState: [UInt64]
    /// Whole-number counters by name, exact (`counters` holds them as doubles too).
    public var counts: [String: UInt64]

    public init(
        runID: String, algo: String, envID: String, iteration: UInt64, weights: Weights,
        optimizerState: [NamedTensor] = [], counters: [Metric] = [], runConfig: String = "", rngState: [UInt64] = [], counts: [String: UInt64] = [:]
    ) {
        self.runID = runID
        self.algo = algo
        self.envID = envID
        self.iteration = iteration
        self.weights = weights
        self.optimizerState = optimizerState
        self.counters = counters
        self.runConfig = runConfig
        self.rngState = rngState
        self.counts = counts
    }

    public func validate(limits: WireLimits = .default) throws {
        try weights.validate(limits: limits)
        for (index, state) in optimizerState.enumerated() {
            try state.tensor.validate(field: "checkpoint.optimizer_state[\(index)]", limits: limits)
        }
    }
}

/// Describes the episodes in a demonstration file.
public struct DemonstrationHeader: Sendable, Equatable {
    public static let formatVersion: UInt32 = 1

    public var envID: String
    public var observationDim: Int
    public var actionDim: Int
    /// Number of discrete actions, 0 for continuous action spaces.
    public var discreteActions: Int
    public var expert: String
    public var seed: UInt64
    public var nexusVersion: String
    /// The environment's keyword arguments when the episodes were recorded (empty: defaults).
    public var environmentArguments: [String: Double]
    /// A `gym:` environment's keyword arguments as given to `gymnasium.make` (empty: defaults).
    public var gymKwargs: [String: String]

    public init(
        envID: String, observationDim: Int, actionDim: Int, discreteActions: Int,
        expert: String, seed: UInt64, nexusVersion: String, environmentArguments: [String: Double] = [:], gymKwargs: [String: String] = [:]
    ) {
        self.envID = envID
        self.observationDim = observationDim
        self.actionDim = actionDim
        self.discreteActions = discreteActions
        self.expert = expert
        self.seed = seed
        self.nexusVersion = nexusVersion
        self.environmentArguments = environmentArguments
        self.gymKwargs = gymKwargs
    }

    /// What every episode in the file must match.
    public var expectations: WireExpectations {
        WireExpectations(
            envID: envID, observationDim: observationDim, actionDim: actionDim,
            discreteActions: discreteActions > 0 ? discreteActions : nil)
    }

    func validate() throws {
        guard !envID.isEmpty else { throw WireError.missingField("demonstration_header.env_id") }
        guard observationDim > 0 else {
            throw WireError.invalidField("demonstration_header.observation_dim", reason: "must be positive")
        }
        guard actionDim > 0 else {
            throw WireError.invalidField("demonstration_header.action_dim", reason: "must be positive")
        }
        for (name, value) in environmentArguments where name.isEmpty || !value.isFinite {
            throw WireError.invalidField("demonstration_header.env_kwargs", reason: "\"\(name)\" = \(value) is not a named finite number")
        }
    }
}

/// One record of a demonstration file.
public enum DemonstrationRecord: Sendable, Equatable {
    case header(DemonstrationHeader)
    case episode(TrajectorySegment)
}
