/// The protocol version this build speaks; an `Envelope` with another one is refused.
public enum WireProtocol {
    public static let version: UInt32 = 1
}

/// Everything that travels on a Nexus socket: the body of an `Envelope`.
public enum WireMessage: Sendable, Equatable {
    case tensor(Tensor)
    case trajectory(TrajectorySegment)
    case weights(Weights)
    case expertQuery(ExpertQuery)
    case expertAnswer(ExpertAnswer)
    case control(ControlMessage)
    case envRequest(EnvRequest)
    case envReply(EnvReply)

    /// A short name for logs and errors.
    public var kindName: String {
        switch self {
        case .tensor: return "tensor"
        case .trajectory: return "trajectory"
        case .weights: return "weights"
        case .expertQuery: return "expert_query"
        case .expertAnswer: return "expert_answer"
        case .control: return "control"
        case .envRequest: return "env_request"
        case .envReply: return "env_reply"
        }
    }

    public func validate(limits: WireLimits = .default, expecting expected: WireExpectations = .none) throws {
        switch self {
        case .tensor(let tensor): try tensor.validate(field: "tensor", limits: limits)
        case .trajectory(let segment): try segment.validate(limits: limits, expecting: expected)
        case .weights(let weights): try weights.validate(limits: limits)
        case .expertQuery(let query): try query.validate(limits: limits, expecting: expected)
        case .expertAnswer(let answer): try answer.validate(limits: limits, expecting: expected)
        case .control(let control): try control.validate(limits: limits)
        case .envRequest(let request): try request.validate(limits: limits)
        case .envReply(let reply): try reply.validate(limits: limits, expecting: expected)
        }
    }
}
