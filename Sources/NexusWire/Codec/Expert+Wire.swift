import CNexusProto

extension ExpertQuery {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__ExpertQuery> {
        let message = arena.allocate(Nexus__V1__ExpertQuery.self)
        nexus__v1__expert_query__init(message)
        message.pointee.request_id = requestID
        message.pointee.worker_id = workerID
        message.pointee.env_id = arena.string(envID)
        message.pointee.observations = observations.build(in: arena)
        return message
    }

    init(decoding message: UnsafePointer<Nexus__V1__ExpertQuery>, field: String, reader: CFieldReader) throws {
        let m = message.pointee
        self.init(
            requestID: m.request_id, workerID: m.worker_id,
            envID: try reader.string(m.env_id, field: field + ".env_id"),
            observations: try Tensor.decodeRequired(m.observations, field: field + ".observations", reader: reader))
    }
}

extension ExpertAnswer {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__ExpertAnswer> {
        let message = arena.allocate(Nexus__V1__ExpertAnswer.self)
        nexus__v1__expert_answer__init(message)
        message.pointee.request_id = requestID
        switch result {
        case .actions(let actions):
            message.pointee.result_case = NEXUS__V1__EXPERT_ANSWER__RESULT_ACTIONS
            message.pointee.actions = actions.build(in: arena)
        case .error(let text):
            message.pointee.result_case = NEXUS__V1__EXPERT_ANSWER__RESULT_ERROR
            message.pointee.error = arena.string(text)
        }
        return message
    }

    init(decoding message: UnsafePointer<Nexus__V1__ExpertAnswer>, field: String, reader: CFieldReader) throws {
        let m = message.pointee
        let result: Result
        switch m.result_case {
        case NEXUS__V1__EXPERT_ANSWER__RESULT_ACTIONS:
            result = .actions(try Tensor.decodeRequired(m.actions, field: field + ".actions", reader: reader))
        case NEXUS__V1__EXPERT_ANSWER__RESULT_ERROR:
            result = .error(try reader.string(m.error, field: field + ".error"))
        default:
            throw WireError.missingField(field + ".result")
        }
        self.init(requestID: m.request_id, result: result)
    }
}
