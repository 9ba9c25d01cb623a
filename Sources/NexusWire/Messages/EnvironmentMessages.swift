/// What a client asks an environment server (`python -m nexusrl env`): its spaces, a reset
/// of every copy, or one step of every copy.
public struct EnvRequest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case describe
        /// Copy i resets from `seed + i` (Gymnasium's vector convention); nil: unseeded.
        case reset(seed: UInt64?)
        /// `[copies, actionDim]`; a discrete action is its index as a float.
        case step(Tensor)
    }

    public var requestID: UInt64
    public var kind: Kind
    /// With `.step`: the copies that sit out this step (empty: every copy steps).
    public var idle: [Bool]

    public init(requestID: UInt64, kind: Kind, idle: [Bool] = []) {
        self.requestID = requestID
        self.kind = kind
        self.idle = idle
    }

    public func validate(limits: WireLimits = .default) throws {
        if case .step(let actions) = kind {
            try actions.validate(field: "env_request.step", limits: limits)
            try actions.requireMatrix(field: "env_request.step")
            if !idle.isEmpty, idle.count != actions.shape[0] {
                throw WireError.invalidField("env_request.idle", reason: "\(idle.count) flags for \(actions.shape[0]) copies")
            }
        } else if !idle.isEmpty {
            throw WireError.invalidField("env_request.idle", reason: "idle copies belong to a step request")
        }
    }
}

/// An environment's spaces as Nexus takes them: Box observations, Box or Discrete actions.
public struct EnvSpaces: Sendable, Equatable {
    public var envID: String
    public var copies: Int
    public var observationDim: Int
    /// > 0: Discrete(n); 0: a Box with `actionLow`/`actionHigh`.
    public var discreteActions: Int
    public var actionLow: [Float]
    public var actionHigh: [Float]
    /// 0: no time limit.
    public var maxEpisodeSteps: Int
    public var rewardThreshold: Double?

    public init(
        envID: String, copies: Int, observationDim: Int, discreteActions: Int, actionLow: [Float] = [], actionHigh: [Float] = [],
        maxEpisodeSteps: Int, rewardThreshold: Double?
    ) {
        (self.envID, self.copies, self.observationDim, self.discreteActions) = (envID, copies, observationDim, discreteActions)
        (self.actionLow, self.actionHigh, self.maxEpisodeSteps, self.rewardThreshold) = (actionLow, actionHigh, maxEpisodeSteps, rewardThreshold)
    }

    public func validate(limits: WireLimits = .default) throws {
        guard observationDim > 0 else { throw WireError.invalidField("env_reply.spaces.observation_dim", reason: "is 0") }
        guard copies > 0 else { throw WireError.invalidField("env_reply.spaces.copies", reason: "is 0") }
        if discreteActions == 0 {
            guard !actionLow.isEmpty, actionLow.count == actionHigh.count else {
                throw WireError.invalidField("env_reply.spaces.action_low", reason: "a Box needs as many low as high bounds, at least one (\(actionLow.count), \(actionHigh.count))")
            }
            guard zip(actionLow, actionHigh).allSatisfy({ !$0.isNaN && !$1.isNaN && $0 <= $1 }) else {
                throw WireError.invalidField("env_reply.spaces.action_low", reason: "a bound is NaN or low is above high")
            }
        }
        if let threshold = rewardThreshold, !threshold.isFinite {
            throw WireError.invalidField("env_reply.spaces.reward_threshold", reason: "not finite")
        }
    }
}

/// Every copy's outcome after a reset (no rewards) or a step. A copy whose episode ended
/// reset itself at once: `observations` holds its next episode's first observation and
/// `finalObservations` the ended one's last (Gymnasium's same-step autoreset).
public struct EnvStepped: Sendable, Equatable {
    public var observations: Tensor
    public var rewards: [Double]
    public var terminated: [Bool]
    public var truncated: [Bool]
    public var finalObservations: Tensor
    /// `info["unsafe"]` per copy, where the environment reports it (else empty).
    public var unsafe: [Bool]

    public init(observations: Tensor, rewards: [Double] = [], terminated: [Bool] = [], truncated: [Bool] = [], finalObservations: Tensor, unsafe: [Bool] = []) {
        (self.observations, self.rewards, self.terminated, self.truncated) = (observations, rewards, terminated, truncated)
        (self.finalObservations, self.unsafe) = (finalObservations, unsafe)
    }

    /// Shapes against each other (`expecting`: the copies and the observation size asked
    /// for); finiteness of every value.
    public func validate(limits: WireLimits = .default, expecting expected: WireExpectations = .none) throws {
        try observations.validate(field: "env_reply.stepped.observations", limits: limits)
        try observations.requireMatrix(field: "env_reply.stepped.observations", columns: expected.observationDim)
        let copies = observations.shape[0]
        try finalObservations.validate(field: "env_reply.stepped.final_observations", limits: limits)
        try finalObservations.requireMatrix(field: "env_reply.stepped.final_observations", rows: copies, columns: observations.shape[1])
        for (name, count) in [("rewards", rewards.count), ("terminated", terminated.count), ("truncated", truncated.count), ("unsafe", unsafe.count)]
        where count != 0 && count != copies {
            throw WireError.dimensionMismatch(field: "env_reply.stepped.\(name)", expected: copies, received: count)
        }
        guard rewards.count == terminated.count, rewards.count == truncated.count else {
            throw WireError.invalidField("env_reply.stepped", reason: "rewards, terminated and truncated differ in length (\(rewards.count), \(terminated.count), \(truncated.count))")
        }
        if let index = rewards.firstIndex(where: { !$0.isFinite }) { throw WireError.nonFinite(field: "env_reply.stepped.rewards", index: index) }
    }
}

/// An environment server's reply to the request `requestID`.
public struct EnvReply: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case spaces(EnvSpaces)
        case stepped(EnvStepped)
        case error(String)
    }

    public var requestID: UInt64
    public var result: Result

    public init(requestID: UInt64, result: Result) {
        self.requestID = requestID
        self.result = result
    }

    public func validate(limits: WireLimits = .default, expecting expected: WireExpectations = .none) throws {
        switch result {
        case .spaces(let spaces): try spaces.validate(limits: limits)
        case .stepped(let stepped): try stepped.validate(limits: limits, expecting: expected)
        case .error: break
        }
    }
}
