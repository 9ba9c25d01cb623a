/// A batch of observations a worker wants the expert to label.
public struct ExpertQuery: Sendable, Equatable {
    public var requestID: UInt64
    public var workerID: UInt32
    public var envID: String
    public var observations: Tensor

    public init(requestID: UInt64, workerID: UInt32, envID: String, observations: Tensor) {
        self.requestID = requestID
        self.workerID = workerID
        self.envID = envID
        self.observations = observations
    }

    public func validate(limits: WireLimits = .default, expecting expected: WireExpectations = .none) throws {
        try observations.validate(field: "expert_query.observations", limits: limits)
        try observations.requireMatrix(field: "expert_query.observations", columns: expected.observationDim)
        if let envID = expected.envID, envID != self.envID {
            throw WireError.invalidField("expert_query.env_id", reason: "\"\(self.envID)\" is not served here (\"\(envID)\")")
        }
    }
}

/// The expert's labels for one query, in the query's row order, or why it could not answer.
public struct ExpertAnswer: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case actions(Tensor)
        case error(String)
    }

    public var requestID: UInt64
    public var result: Result

    public init(requestID: UInt64, result: Result) {
        self.requestID = requestID
        self.result = result
    }

    public func validate(limits: WireLimits = .default, expecting expected: WireExpectations = .none) throws {
        guard case .actions(let actions) = result else { return }
        try actions.validate(field: "expert_answer.actions", limits: limits)
        try actions.requireMatrix(field: "expert_answer.actions", columns: expected.actionDim)
        if let discrete = expected.discreteActions {
            try DiscreteActions.require(actions, count: discrete, field: "expert_answer.actions")
        }
    }
}
