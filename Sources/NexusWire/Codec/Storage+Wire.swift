import CNexusProto

/// Encoding of the on-disk records: checkpoints and demonstration-file records.
public enum StorageCodec {
    public static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        ProtobufRuntime.pack(Nexus__V1__Checkpoint.self) { arena, c in
            c.pointee.format_version = Checkpoint.formatVersion
            c.pointee.run_id = arena.string(checkpoint.runID)
            c.pointee.algo = arena.string(checkpoint.algo)
            c.pointee.env_id = arena.string(checkpoint.envID)
            c.pointee.iteration = checkpoint.iteration
            c.pointee.weights = checkpoint.weights.build(in: arena)
            c.pointee.n_optimizer_state = checkpoint.optimizerState.count
            c.pointee.optimizer_state = arena.messages(checkpoint.optimizerState) { $0.build(in: arena) }
            c.pointee.n_counters = checkpoint.counters.count
            c.pointee.counters = arena.messages(checkpoint.counters) { $0.build(in: arena) }
            c.pointee.run_config = arena.string(checkpoint.runConfig)
            c.pointee.n_rng_state = checkpoint.rngState.count
            c.pointee.rng_state = arena.copy(checkpoint.rngState)
            // By name: the same counters, the same bytes.
            let counts = checkpoint.counts.sorted { $0.key < $1.key }
            c.pointee.n_counts = counts.count
            c.pointee.counts = arena.messages(counts) { count in
                let message = arena.allocate(Nexus__V1__Count.self)
                nexus__v1__count__init(message)
                message.pointee.name = arena.string(count.key)
                message.pointee.value = count.value
                return message
            }
        }
    }

    public static func decodeCheckpoint(_ bytes: [UInt8], limits: WireLimits = .default) throws -> Checkpoint {
        let checkpoint = try bytes.withUnsafeBytes { raw in
            try ProtobufRuntime.withUnpacked(Nexus__V1__Checkpoint.self, raw, limits: limits) { message in
                let m = message.pointee
                let reader = CFieldReader(limits: limits)
                guard m.format_version == Checkpoint.formatVersion else {
                    throw WireError.invalidField("checkpoint.format_version", reason: "version \(m.format_version), this build reads \(Checkpoint.formatVersion)")
                }
                return Checkpoint(
                    runID: try reader.string(m.run_id, field: "checkpoint.run_id"),
                    algo: try reader.string(m.algo, field: "checkpoint.algo"),
                    envID: try reader.string(m.env_id, field: "checkpoint.env_id"),
                    iteration: m.iteration,
                    weights: try Weights(decoding: reader.required(m.weights, field: "checkpoint.weights"), field: "checkpoint.weights", reader: reader),
                    optimizerState: try reader.messages(m.optimizer_state, count: m.n_optimizer_state, field: "checkpoint.optimizer_state") {
                        try NamedTensor(decoding: $0, field: $1, reader: reader)
                    },
                    counters: try reader.messages(m.counters, count: m.n_counters, field: "checkpoint.counters") {
                        try Metric(decoding: $0, field: $1, reader: reader)
                    },
                    runConfig: try reader.string(m.run_config, field: "checkpoint.run_config"),
                    rngState: try reader.array(m.rng_state, count: m.n_rng_state, field: "checkpoint.rng_state"),
                    counts: Dictionary(
                        try reader.messages(m.counts, count: m.n_counts, field: "checkpoint.counts") { count, path in
                            (try reader.string(count.pointee.name, field: path + ".name"), count.pointee.value)
                        }, uniquingKeysWith: { first, _ in first }))
            }
        }
        try checkpoint.validate(limits: limits)
        return checkpoint
    }

    public static func encode(_ record: DemonstrationRecord) -> [UInt8] {
        ProtobufRuntime.pack(Nexus__V1__DemonstrationRecord.self) { arena, c in
            switch record {
            case .header(let header):
                let h = arena.allocate(Nexus__V1__DemonstrationHeader.self)
                nexus__v1__demonstration_header__init(h)
                h.pointee.format_version = DemonstrationHeader.formatVersion
                h.pointee.env_id = arena.string(header.envID)
                h.pointee.observation_dim = UInt32(header.observationDim)
                h.pointee.action_dim = UInt32(header.actionDim)
                h.pointee.discrete_actions = UInt32(header.discreteActions)
                h.pointee.expert = arena.string(header.expert)
                h.pointee.seed = header.seed
                h.pointee.nexus_version = arena.string(header.nexusVersion)
                let arguments = header.environmentArguments.keys.sorted().map { Metric(name: $0, value: header.environmentArguments[$0]!) }
                h.pointee.n_env_kwargs = arguments.count
                h.pointee.env_kwargs = arena.messages(arguments) { $0.build(in: arena) }
                let texts = header.gymKwargs.keys.sorted()
                h.pointee.n_gym_kwargs = texts.count
                h.pointee.gym_kwargs = arena.messages(texts) { name in
                    let argument = arena.allocate(Nexus__V1__TextArgument.self)
                    nexus__v1__text_argument__init(argument)
                    argument.pointee.name = arena.string(name)
                    argument.pointee.value = arena.string(header.gymKwargs[name]!)
                    return argument
                }
                c.pointee.kind_case = NEXUS__V1__DEMONSTRATION_RECORD__KIND_HEADER
                c.pointee.header = h
            case .episode(let segment):
                c.pointee.kind_case = NEXUS__V1__DEMONSTRATION_RECORD__KIND_EPISODE
                c.pointee.episode = segment.build(in: arena)
            }
        }
    }

    /// Decodes one record; episodes are validated against `expecting` (the header's shape).
    public static func decodeDemonstrationRecord(
        _ bytes: UnsafeRawBufferPointer, limits: WireLimits = .default, expecting expected: WireExpectations = .none
    ) throws -> DemonstrationRecord {
        let record = try ProtobufRuntime.withUnpacked(Nexus__V1__DemonstrationRecord.self, bytes, limits: limits) { message -> DemonstrationRecord in
            let m = message.pointee
            let reader = CFieldReader(limits: limits)
            switch m.kind_case {
            case NEXUS__V1__DEMONSTRATION_RECORD__KIND_HEADER:
                let h = try reader.required(m.header, field: "demonstration.header").pointee
                guard h.format_version == DemonstrationHeader.formatVersion else {
                    throw WireError.invalidField("demonstration.header.format_version", reason: "version \(h.format_version), this build reads \(DemonstrationHeader.formatVersion)")
                }
                let arguments = try reader.messages(h.env_kwargs, count: h.n_env_kwargs, field: "demonstration.header.env_kwargs") {
                    try Metric(decoding: $0, field: $1, reader: reader)
                }
                let texts = try reader.messages(h.gym_kwargs, count: h.n_gym_kwargs, field: "demonstration.header.gym_kwargs") { argument, field in
                    (try reader.string(argument.pointee.name, field: field + ".name"), try reader.string(argument.pointee.value, field: field + ".value"))
                }
                return .header(
                    DemonstrationHeader(
                        envID: try reader.string(h.env_id, field: "demonstration.header.env_id"),
                        observationDim: Int(h.observation_dim), actionDim: Int(h.action_dim),
                        discreteActions: Int(h.discrete_actions),
                        expert: try reader.string(h.expert, field: "demonstration.header.expert"),
                        seed: h.seed,
                        nexusVersion: try reader.string(h.nexus_version, field: "demonstration.header.nexus_version"),
                        environmentArguments: try Dictionary(arguments.map { ($0.name, $0.value) }) { _, _ in
                            throw WireError.invalidField("demonstration.header.env_kwargs", reason: "a name appears twice")
                        },
                        gymKwargs: try Dictionary(texts) { _, _ in
                            throw WireError.invalidField("demonstration.header.gym_kwargs", reason: "a name appears twice")
                        }))
            case NEXUS__V1__DEMONSTRATION_RECORD__KIND_EPISODE:
                return .episode(try TrajectorySegment(decoding: reader.required(m.episode, field: "demonstration.episode"), field: "demonstration.episode", reader: reader))
            default:
                throw WireError.missingField("demonstration.kind")
            }
        }
        switch record {
        case .header(let header): try header.validate()
        case .episode(let segment): try segment.validate(limits: limits, expecting: expected)
        }
        return record
    }
}
