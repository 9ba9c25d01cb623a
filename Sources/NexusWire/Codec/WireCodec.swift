import CNexusProto

/// Encodes and decodes `Envelope`s: the only entry point from bytes to messages. Decoding
/// checks the size before parsing, parses under an allocation budget, checks the protocol
/// version and then validates the message fully (shapes, finiteness, limits, expectations).
public enum WireCodec {
    public static func encode(_ message: WireMessage) -> [UInt8] {
        ProtobufRuntime.pack(Nexus__V1__Envelope.self) { arena, envelope in
            envelope.pointee.protocol_version = WireProtocol.version
            switch message {
            case .tensor(let tensor):
                envelope.pointee.body_case = NEXUS__V1__ENVELOPE__BODY_TENSOR
                envelope.pointee.tensor = tensor.build(in: arena)
            case .trajectory(let segment):
                envelope.pointee.body_case = NEXUS__V1__ENVELOPE__BODY_TRAJECTORY
                envelope.pointee.trajectory = segment.build(in: arena)
            case .weights(let weights):
                envelope.pointee.body_case = NEXUS__V1__ENVELOPE__BODY_WEIGHTS
                envelope.pointee.weights = weights.build(in: arena)
            case .expertQuery(let query):
                envelope.pointee.body_case = NEXUS__V1__ENVELOPE__BODY_EXPERT_QUERY
                envelope.pointee.expert_query = query.build(in: arena)
            case .expertAnswer(let answer):
                envelope.pointee.body_case = NEXUS__V1__ENVELOPE__BODY_EXPERT_ANSWER
                envelope.pointee.expert_answer = answer.build(in: arena)
            case .control(let control):
                envelope.pointee.body_case = NEXUS__V1__ENVELOPE__BODY_CONTROL
                envelope.pointee.control = control.build(in: arena)
            case .envRequest(let request):
                envelope.pointee.body_case = NEXUS__V1__ENVELOPE__BODY_ENV_REQUEST
                envelope.pointee.env_request = request.build(in: arena)
            case .envReply(let reply):
                envelope.pointee.body_case = NEXUS__V1__ENVELOPE__BODY_ENV_REPLY
                envelope.pointee.env_reply = reply.build(in: arena)
            }
        }
    }

    public static func decode(
        _ bytes: [UInt8], limits: WireLimits = .default, expecting expected: WireExpectations = .none
    ) throws -> WireMessage {
        try bytes.withUnsafeBytes { try decode($0, limits: limits, expecting: expected) }
    }

    public static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: WireLimits = .default, expecting expected: WireExpectations = .none
    ) throws -> WireMessage {
        let message = try ProtobufRuntime.withUnpacked(Nexus__V1__Envelope.self, bytes, limits: limits) { envelope in
            let version = envelope.pointee.protocol_version
            guard version == WireProtocol.version else {
                throw WireError.protocolVersionMismatch(received: version, supported: WireProtocol.version)
            }
            return try WireMessage(decodingBodyOf: envelope, reader: CFieldReader(limits: limits))
        }
        try message.validate(limits: limits, expecting: expected)
        return message
    }
}

extension WireMessage {
    init(decodingBodyOf envelope: UnsafePointer<Nexus__V1__Envelope>, reader: CFieldReader) throws {
        let e = envelope.pointee
        switch e.body_case {
        case NEXUS__V1__ENVELOPE__BODY_TENSOR:
            self = .tensor(try Tensor.decodeRequired(e.tensor, field: "tensor", reader: reader))
        case NEXUS__V1__ENVELOPE__BODY_TRAJECTORY:
            self = .trajectory(try TrajectorySegment(decoding: reader.required(e.trajectory, field: "trajectory"), field: "trajectory", reader: reader))
        case NEXUS__V1__ENVELOPE__BODY_WEIGHTS:
            self = .weights(try Weights(decoding: reader.required(e.weights, field: "weights"), field: "weights", reader: reader))
        case NEXUS__V1__ENVELOPE__BODY_EXPERT_QUERY:
            self = .expertQuery(try ExpertQuery(decoding: reader.required(e.expert_query, field: "expert_query"), field: "expert_query", reader: reader))
        case NEXUS__V1__ENVELOPE__BODY_EXPERT_ANSWER:
            self = .expertAnswer(try ExpertAnswer(decoding: reader.required(e.expert_answer, field: "expert_answer"), field: "expert_answer", reader: reader))
        case NEXUS__V1__ENVELOPE__BODY_CONTROL:
            self = .control(try ControlMessage(decoding: reader.required(e.control, field: "control"), field: "control", reader: reader))
        case NEXUS__V1__ENVELOPE__BODY_ENV_REQUEST:
            self = .envRequest(try EnvRequest(decoding: reader.required(e.env_request, field: "env_request"), field: "env_request", reader: reader))
        case NEXUS__V1__ENVELOPE__BODY_ENV_REPLY:
            self = .envReply(try EnvReply(decoding: reader.required(e.env_reply, field: "env_reply"), field: "env_reply", reader: reader))
        default:
            throw WireError.missingField("envelope.body")
        }
    }
}
