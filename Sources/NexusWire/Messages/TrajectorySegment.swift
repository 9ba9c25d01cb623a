/// What kind of safety event a worker saw at a step (see `SafetyKind` in trajectory.proto).
public enum SafetyKind: Int32, Sendable, CaseIterable {
    case unspecified = 0
    case nearBoundary = 1
    case violation = 2
    case expertTakeover = 3
}

public struct SafetyEvent: Sendable, Equatable {
    public var step: UInt32
    public var kind: SafetyKind
    public var severity: Float

    public init(step: UInt32, kind: SafetyKind, severity: Float) {
        self.step = step
        self.kind = kind
        self.severity = severity
    }
}

/// A fixed-length piece of experience from one environment copy of one worker.
///
/// `observations` has T+1 rows for T steps; when step t ends an episode, row t+1 is the
/// first observation of the next episode and the finished episode's last observation is in
/// `finalObservations` (one row per ended step, named by `finalObservationSteps`).
/// Optional per-step arrays are either empty or hold exactly T entries.
public struct TrajectorySegment: Sendable, Equatable {
    /// Steps that took the environment into its unsafe region.
    public var unsafeEvents: Int { safetyEvents.lazy.filter { $0.kind == .violation }.count }

    public var workerID: UInt32
    public var envIndex: UInt32
    public var episodeID: UInt64
    public var segmentIndex: UInt32
    public var envID: String
    public var policyVersion: UInt64

    public var observations: Tensor
    public var actions: Tensor
    public var behaviourLogProbs: [Float]
    public var rewards: [Float]
    public var terminated: [Bool]
    public var truncated: [Bool]

    public var finalObservations: Tensor
    public var finalObservationSteps: [UInt32]

    public var expertActions: Tensor?
    public var expertMask: [Bool]
    public var expertActed: [Bool]
    public var uncertainty: [Float]
    public var safetyEvents: [SafetyEvent]

    public var completedEpisodeReturns: [Float]
    public var completedEpisodeLengths: [UInt32]
    /// Expert answers behind the labels (each expert asked answers each labelled step); 0:
    /// one per label.
    public var expertAnswers: UInt32

    public init(
        workerID: UInt32, envIndex: UInt32 = 0, episodeID: UInt64 = 0, segmentIndex: UInt32 = 0,
        envID: String, policyVersion: UInt64,
        observations: Tensor, actions: Tensor,
        behaviourLogProbs: [Float] = [], rewards: [Float],
        terminated: [Bool], truncated: [Bool],
        finalObservations: Tensor? = nil, finalObservationSteps: [UInt32] = [],
        expertActions: Tensor? = nil, expertMask: [Bool] = [], expertActed: [Bool] = [],
        uncertainty: [Float] = [], safetyEvents: [SafetyEvent] = [],
        completedEpisodeReturns: [Float] = [], completedEpisodeLengths: [UInt32] = [], expertAnswers: UInt32 = 0
    ) {
        self.workerID = workerID
        self.envIndex = envIndex
        self.episodeID = episodeID
        self.segmentIndex = segmentIndex
        self.envID = envID
        self.policyVersion = policyVersion
        self.observations = observations
        self.actions = actions
        self.behaviourLogProbs = behaviourLogProbs
        self.rewards = rewards
        self.terminated = terminated
        self.truncated = truncated
        self.finalObservations = finalObservations ?? .empty(columns: observations.columns)
        self.finalObservationSteps = finalObservationSteps
        self.expertActions = expertActions
        self.expertMask = expertMask
        self.expertActed = expertActed
        self.uncertainty = uncertainty
        self.safetyEvents = safetyEvents
        self.completedEpisodeReturns = completedEpisodeReturns
        self.completedEpisodeLengths = completedEpisodeLengths
        self.expertAnswers = expertAnswers
    }

    /// Steps the expert labelled.
    public var labelledSteps: Int { expertMask.lazy.filter { $0 }.count }

    /// What the labels cost in expert answers (the expert queries a learner counts).
    public var answersBehindLabels: Int { expertAnswers > 0 ? Int(expertAnswers) : labelledSteps }

    /// Experts a label may be fused from: a bound on `expertAnswers` per label.
    public static let maxExpertsPerLabel = 64

    /// Number of steps T.
    public var stepCount: Int { actions.rows }
    public var observationDim: Int { observations.columns }
    public var actionDim: Int { actions.columns }
}

extension TrajectorySegment {
    /// Checks that the segment is self-consistent and matches what the receiver expects.
    public func validate(limits: WireLimits = .default, expecting expected: WireExpectations = .none) throws {
        // Field names are literals: building them per message showed up in the learner's profile.
        try observations.validate(field: "trajectory.observations", limits: limits)
        try actions.validate(field: "trajectory.actions", limits: limits)
        try actions.requireMatrix(field: "trajectory.actions", columns: expected.actionDim)
        let steps = actions.rows
        if let maxSteps = expected.maxSegmentSteps, steps > maxSteps {
            throw WireError.limitExceeded(field: "trajectory.actions.rows", value: steps, limit: maxSteps)
        }
        try observations.requireMatrix(field: "trajectory.observations", rows: steps + 1, columns: expected.observationDim)
        guard observations.columns > 0 else {
            throw WireError.invalidField("trajectory.observations", reason: "observation dimension is 0")
        }
        if let envID = expected.envID, envID != self.envID {
            throw WireError.invalidField("trajectory.env_id", reason: "\"\(self.envID)\" is not this run's environment \"\(envID)\"")
        }
        if let discrete = expected.discreteActions {
            try DiscreteActions.require(actions, count: discrete, field: "trajectory.actions")
        }
        if let bound = expected.maxObservationMagnitude {
            for tensor in [observations, finalObservations] where tensor.data.contains(where: { abs($0) > bound }) {
                throw WireError.invalidField("trajectory.observations", reason: "a value beyond ±\(bound)")
            }
        }

        try PerStep.require(rewards, steps: steps, field: "trajectory.rewards")
        try FiniteCheck.require(rewards, field: "trajectory.rewards")
        try PerStep.require(terminated, steps: steps, field: "trajectory.terminated")
        try PerStep.require(truncated, steps: steps, field: "trajectory.truncated")
        try PerStep.requireOptional(behaviourLogProbs, steps: steps, field: "trajectory.behaviour_log_probs")
        try FiniteCheck.require(behaviourLogProbs, field: "trajectory.behaviour_log_probs")
        try PerStep.requireOptional(uncertainty, steps: steps, field: "trajectory.uncertainty")
        try FiniteCheck.require(uncertainty, field: "trajectory.uncertainty")
        try PerStep.requireOptional(expertActed, steps: steps, field: "trajectory.expert_acted")

        try validateEpisodeEnds(steps: steps)
        try validateExpertLabels(steps: steps, limits: limits, expected: expected)

        guard safetyEvents.count <= limits.maxRepeatedMessages else {
            throw WireError.limitExceeded(field: "trajectory.safety_events", value: safetyEvents.count, limit: limits.maxRepeatedMessages)
        }
        for (index, event) in safetyEvents.enumerated() {
            guard Int(event.step) < steps else {
                throw WireError.invalidField("trajectory.safety_events[\(index)].step", reason: "step \(event.step) is not below \(steps)")
            }
            guard event.severity.isFinite else {
                throw WireError.nonFinite(field: "trajectory.safety_events.severity", index: index)
            }
        }
    }

    private func validateEpisodeEnds(steps: Int) throws {
        let endedSteps = (0..<steps).filter { terminated[$0] || truncated[$0] }
        try finalObservations.validate(field: "trajectory.final_observations")
        try finalObservations.requireMatrix(
            field: "trajectory.final_observations", rows: endedSteps.count, columns: observations.columns)
        guard finalObservationSteps.elementsEqual(endedSteps.lazy.map { UInt32($0) }) else {
            throw WireError.invalidField(
                "trajectory.final_observation_steps",
                reason: "must list exactly the \(endedSteps.count) steps that terminated or truncated, in order")
        }
        guard completedEpisodeReturns.count == completedEpisodeLengths.count,
            completedEpisodeReturns.count <= endedSteps.count
        else {
            throw WireError.invalidField(
                "trajectory.completed_episode_returns",
                reason: "\(completedEpisodeReturns.count) returns and \(completedEpisodeLengths.count) lengths for \(endedSteps.count) ended episodes")
        }
        try FiniteCheck.require(completedEpisodeReturns, field: "trajectory.completed_episode_returns")
    }

    private func validateExpertLabels(steps: Int, limits: WireLimits, expected: WireExpectations) throws {
        try PerStep.requireOptional(expertMask, steps: steps, field: "trajectory.expert_mask")
        if expertAnswers > 0 {
            // A forged count must not inflate the run's expert queries.
            let labelled = labelledSteps
            guard labelled > 0, Int(expertAnswers) >= labelled, Int(expertAnswers) <= labelled * Self.maxExpertsPerLabel else {
                throw WireError.invalidField("trajectory.expert_answers", reason: "\(expertAnswers) answers for \(labelled) labelled steps (1 to \(Self.maxExpertsPerLabel) a label)")
            }
        }
        guard let expertActions else {
            guard expertMask.isEmpty else { throw WireError.missingField("trajectory.expert_actions") }
            return
        }
        guard !expertMask.isEmpty else { throw WireError.missingField("trajectory.expert_mask") }
        try expertActions.validate(field: "trajectory.expert_actions", limits: limits)
        try expertActions.requireMatrix(field: "trajectory.expert_actions", rows: steps, columns: actions.columns)
        if let discrete = expected.discreteActions {
            try DiscreteActions.require(expertActions, count: discrete, field: "trajectory.expert_actions")
        }
    }
}

enum PerStep {
    static func require<T>(_ values: [T], steps: Int, field: String) throws {
        guard values.count == steps else {
            throw WireError.dimensionMismatch(field: field, expected: steps, received: values.count)
        }
    }

    static func requireOptional<T>(_ values: [T], steps: Int, field: String) throws {
        guard values.isEmpty || values.count == steps else {
            throw WireError.dimensionMismatch(field: field, expected: steps, received: values.count)
        }
    }
}

/// Discrete actions travel as floats holding integral indices.
enum DiscreteActions {
    static func require(_ actions: Tensor, count: Int, field: String) throws {
        guard actions.columns == 1 else {
            throw WireError.dimensionMismatch(field: field + ".columns", expected: 1, received: actions.columns)
        }
        for (index, value) in actions.data.enumerated() {
            guard value >= 0, value < Float(count), value.rounded(.towardZero) == value else {
                throw WireError.invalidField(field, reason: "value \(value) at index \(index) is not an action index below \(count)")
            }
        }
    }
}
