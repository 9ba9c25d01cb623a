import CNexusProto

extension EnvRequest {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__EnvRequest> {
        let message = arena.allocate(Nexus__V1__EnvRequest.self)
        nexus__v1__env_request__init(message)
        message.pointee.request_id = requestID
        switch kind {
        case .describe:
            let describe = arena.allocate(Nexus__V1__EnvDescribe.self)
            nexus__v1__env_describe__init(describe)
            message.pointee.kind_case = NEXUS__V1__ENV_REQUEST__KIND_DESCRIBE
            message.pointee.describe = describe
        case .reset(let seed):
            let reset = arena.allocate(Nexus__V1__EnvReset.self)
            nexus__v1__env_reset__init(reset)
            reset.pointee.seeded = seed == nil ? 0 : 1
            reset.pointee.seed = seed ?? 0
            message.pointee.kind_case = NEXUS__V1__ENV_REQUEST__KIND_RESET
            message.pointee.reset = reset
        case .step(let actions):
            message.pointee.kind_case = NEXUS__V1__ENV_REQUEST__KIND_STEP
            message.pointee.step = actions.build(in: arena)
        }
        message.pointee.n_idle = idle.count
        message.pointee.idle = arena.bools(idle)
        return message
    }

    init(decoding message: UnsafePointer<Nexus__V1__EnvRequest>, field: String, reader: CFieldReader) throws {
        let m = message.pointee
        let kind: Kind
        switch m.kind_case {
        case NEXUS__V1__ENV_REQUEST__KIND_DESCRIBE: kind = .describe
        case NEXUS__V1__ENV_REQUEST__KIND_RESET:
            let reset = try reader.required(m.reset, field: field + ".reset").pointee
            kind = .reset(seed: reset.seeded != 0 ? reset.seed : nil)
        case NEXUS__V1__ENV_REQUEST__KIND_STEP:
            kind = .step(try Tensor.decodeRequired(m.step, field: field + ".step", reader: reader))
        default:
            throw WireError.missingField(field + ".kind")
        }
        self.init(requestID: m.request_id, kind: kind, idle: try reader.bools(m.idle, count: m.n_idle, field: field + ".idle"))
    }
}

extension EnvReply {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__EnvReply> {
        let message = arena.allocate(Nexus__V1__EnvReply.self)
        nexus__v1__env_reply__init(message)
        message.pointee.request_id = requestID
        switch result {
        case .spaces(let spaces):
            let c = arena.allocate(Nexus__V1__EnvSpaces.self)
            nexus__v1__env_spaces__init(c)
            c.pointee.env_id = arena.string(spaces.envID)
            c.pointee.copies = UInt32(clamping: spaces.copies)
            c.pointee.observation_dim = UInt32(clamping: spaces.observationDim)
            c.pointee.discrete_actions = UInt32(clamping: spaces.discreteActions)
            c.pointee.n_action_low = spaces.actionLow.count
            c.pointee.action_low = arena.copy(spaces.actionLow)
            c.pointee.n_action_high = spaces.actionHigh.count
            c.pointee.action_high = arena.copy(spaces.actionHigh)
            c.pointee.max_episode_steps = UInt32(clamping: spaces.maxEpisodeSteps)
            c.pointee.has_reward_threshold = spaces.rewardThreshold == nil ? 0 : 1
            c.pointee.reward_threshold = spaces.rewardThreshold ?? 0
            message.pointee.result_case = NEXUS__V1__ENV_REPLY__RESULT_SPACES
            message.pointee.spaces = c
        case .stepped(let stepped):
            let c = arena.allocate(Nexus__V1__EnvStepped.self)
            nexus__v1__env_stepped__init(c)
            c.pointee.observations = stepped.observations.build(in: arena)
            c.pointee.n_rewards = stepped.rewards.count
            c.pointee.rewards = arena.copy(stepped.rewards)
            c.pointee.n_terminated = stepped.terminated.count
            c.pointee.terminated = arena.bools(stepped.terminated)
            c.pointee.n_truncated = stepped.truncated.count
            c.pointee.truncated = arena.bools(stepped.truncated)
            c.pointee.final_observations = stepped.finalObservations.build(in: arena)
            c.pointee.n_unsafe = stepped.unsafe.count
            c.pointee.unsafe = arena.bools(stepped.unsafe)
            message.pointee.result_case = NEXUS__V1__ENV_REPLY__RESULT_STEPPED
            message.pointee.stepped = c
        case .error(let text):
            message.pointee.result_case = NEXUS__V1__ENV_REPLY__RESULT_ERROR
            message.pointee.error = arena.string(text)
        }
        return message
    }

    init(decoding message: UnsafePointer<Nexus__V1__EnvReply>, field: String, reader: CFieldReader) throws {
        let m = message.pointee
        let result: Result
        switch m.result_case {
        case NEXUS__V1__ENV_REPLY__RESULT_SPACES:
            let s = try reader.required(m.spaces, field: field + ".spaces").pointee
            result = .spaces(EnvSpaces(
                envID: try reader.string(s.env_id, field: field + ".spaces.env_id"), copies: Int(s.copies), observationDim: Int(s.observation_dim),
                discreteActions: Int(s.discrete_actions),
                actionLow: try reader.array(s.action_low, count: s.n_action_low, field: field + ".spaces.action_low"),
                actionHigh: try reader.array(s.action_high, count: s.n_action_high, field: field + ".spaces.action_high"),
                maxEpisodeSteps: Int(s.max_episode_steps), rewardThreshold: s.has_reward_threshold != 0 ? s.reward_threshold : nil))
        case NEXUS__V1__ENV_REPLY__RESULT_STEPPED:
            let s = try reader.required(m.stepped, field: field + ".stepped").pointee
            result = .stepped(EnvStepped(
                observations: try Tensor.decodeRequired(s.observations, field: field + ".stepped.observations", reader: reader),
                rewards: try reader.array(s.rewards, count: s.n_rewards, field: field + ".stepped.rewards"),
                terminated: try reader.bools(s.terminated, count: s.n_terminated, field: field + ".stepped.terminated"),
                truncated: try reader.bools(s.truncated, count: s.n_truncated, field: field + ".stepped.truncated"),
                finalObservations: try Tensor.decodeRequired(s.final_observations, field: field + ".stepped.final_observations", reader: reader),
                unsafe: try reader.bools(s.unsafe, count: s.n_unsafe, field: field + ".stepped.unsafe")))
        case NEXUS__V1__ENV_REPLY__RESULT_ERROR:
            result = .error(try reader.string(m.error, field: field + ".error"))
        default:
            throw WireError.missingField(field + ".result")
        }
        self.init(requestID: m.request_id, result: result)
    }
}
