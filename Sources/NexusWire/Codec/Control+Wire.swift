import CNexusProto

extension ControlMessage {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__Control> {
        let message = arena.allocate(Nexus__V1__Control.self)
        nexus__v1__control__init(message)
        switch self {
        case .hello(let hello):
            let c = arena.allocate(Nexus__V1__Hello.self)
            nexus__v1__hello__init(c)
            c.pointee.worker_id = hello.workerID
            c.pointee.host = arena.string(hello.host)
            c.pointee.pid = hello.pid
            c.pointee.num_envs = hello.numEnvs
            c.pointee.nexus_version = arena.string(hello.nexusVersion)
            message.pointee.kind_case = NEXUS__V1__CONTROL__KIND_HELLO
            message.pointee.hello = c
        case .welcome(let welcome):
            let c = arena.allocate(Nexus__V1__Welcome.self)
            nexus__v1__welcome__init(c)
            c.pointee.worker_id = welcome.workerID
            c.pointee.run_id = arena.string(welcome.runID)
            c.pointee.run_config = arena.string(welcome.runConfig)
            c.pointee.weights = welcome.weights?.build(in: arena)
            c.pointee.refused = arena.string(welcome.refused)
            message.pointee.kind_case = NEXUS__V1__CONTROL__KIND_WELCOME
            message.pointee.welcome = c
        case .heartbeat(let heartbeat):
            let c = arena.allocate(Nexus__V1__Heartbeat.self)
            nexus__v1__heartbeat__init(c)
            c.pointee.worker_id = heartbeat.workerID
            c.pointee.sequence = heartbeat.sequence
            c.pointee.env_steps = heartbeat.envSteps
            c.pointee.policy_version = heartbeat.policyVersion
            c.pointee.env_failures = heartbeat.envFailures
            c.pointee.expert_retries = heartbeat.expertRetries
            message.pointee.kind_case = NEXUS__V1__CONTROL__KIND_HEARTBEAT
            message.pointee.heartbeat = c
        case .statusRequest:
            let c = arena.allocate(Nexus__V1__StatusRequest.self)
            nexus__v1__status_request__init(c)
            message.pointee.kind_case = NEXUS__V1__CONTROL__KIND_STATUS_REQUEST
            message.pointee.status_request = c
        case .status(let status):
            let c = arena.allocate(Nexus__V1__Status.self)
            nexus__v1__status__init(c)
            c.pointee.role = arena.string(status.role)
            c.pointee.run_id = arena.string(status.runID)
            c.pointee.policy_version = status.policyVersion
            c.pointee.n_metrics = status.metrics.count
            c.pointee.metrics = arena.messages(status.metrics) { $0.build(in: arena) }
            message.pointee.kind_case = NEXUS__V1__CONTROL__KIND_STATUS
            message.pointee.status = c
        case .stop(let reason):
            let c = arena.allocate(Nexus__V1__Stop.self)
            nexus__v1__stop__init(c)
            c.pointee.reason = arena.string(reason)
            message.pointee.kind_case = NEXUS__V1__CONTROL__KIND_STOP
            message.pointee.stop = c
        case .moreData(let version):
            let c = arena.allocate(Nexus__V1__MoreData.self)
            nexus__v1__more_data__init(c)
            c.pointee.policy_version = version
            message.pointee.kind_case = NEXUS__V1__CONTROL__KIND_MORE_DATA
            message.pointee.more_data = c
        }
        return message
    }

    init(decoding message: UnsafePointer<Nexus__V1__Control>, field: String, reader: CFieldReader) throws {
        let m = message.pointee
        switch m.kind_case {
        case NEXUS__V1__CONTROL__KIND_HELLO:
            let c = try reader.required(m.hello, field: field + ".hello").pointee
            self = .hello(
                Hello(
                    workerID: c.worker_id, host: try reader.string(c.host, field: field + ".hello.host"), pid: c.pid,
                    numEnvs: c.num_envs, nexusVersion: try reader.string(c.nexus_version, field: field + ".hello.nexus_version")))
        case NEXUS__V1__CONTROL__KIND_WELCOME:
            let c = try reader.required(m.welcome, field: field + ".welcome").pointee
            self = .welcome(
                Welcome(
                    workerID: c.worker_id,
                    runID: try reader.string(c.run_id, field: field + ".welcome.run_id"),
                    runConfig: try reader.string(c.run_config, field: field + ".welcome.run_config"),
                    weights: try c.weights.map { try Weights(decoding: $0, field: field + ".welcome.weights", reader: reader) },
                    refused: try reader.string(c.refused, field: field + ".welcome.refused")))
        case NEXUS__V1__CONTROL__KIND_HEARTBEAT:
            let c = try reader.required(m.heartbeat, field: field + ".heartbeat").pointee
            self = .heartbeat(Heartbeat(workerID: c.worker_id, sequence: c.sequence, envSteps: c.env_steps, policyVersion: c.policy_version, envFailures: c.env_failures,
                expertRetries: c.expert_retries))
        case NEXUS__V1__CONTROL__KIND_STATUS_REQUEST:
            self = .statusRequest
        case NEXUS__V1__CONTROL__KIND_STATUS:
            let c = try reader.required(m.status, field: field + ".status").pointee
            self = .status(
                Status(
                    role: try reader.string(c.role, field: field + ".status.role"),
                    runID: try reader.string(c.run_id, field: field + ".status.run_id"),
                    policyVersion: c.policy_version,
                    metrics: try reader.messages(c.metrics, count: c.n_metrics, field: field + ".status.metrics") {
                        try Metric(decoding: $0, field: $1, reader: reader)
                    }))
        case NEXUS__V1__CONTROL__KIND_STOP:
            let c = try reader.required(m.stop, field: field + ".stop").pointee
            self = .stop(reason: try reader.string(c.reason, field: field + ".stop.reason"))
        case NEXUS__V1__CONTROL__KIND_MORE_DATA:
            self = .moreData(policyVersion: try reader.required(m.more_data, field: field + ".more_data").pointee.policy_version)
        default:
            throw WireError.missingField(field + ".kind")
        }
    }
}

extension Metric {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__Metric> {
        let c = arena.allocate(Nexus__V1__Metric.self)
        nexus__v1__metric__init(c)
        c.pointee.name = arena.string(name)
        c.pointee.value = value
        return c
    }

    init(decoding message: UnsafePointer<Nexus__V1__Metric>, field: String, reader: CFieldReader) throws {
        self.init(name: try reader.string(message.pointee.name, field: field + ".name"), value: message.pointee.value)
    }
}
