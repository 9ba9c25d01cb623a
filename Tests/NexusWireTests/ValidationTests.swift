import NexusTestKit
import Testing

@testable import NexusWire

@Suite("Decoding refuses what is wrong, and says what")
struct ValidationTests {
    private func roundTrip(_ message: WireMessage, expecting: WireExpectations = .none) throws -> WireMessage {
        try WireCodec.decode(WireCodec.encode(message), expecting: expecting)
    }

    @Test func shapeThatDisagreesWithData() {
        #expect(throws: WireError.shapeMismatch(field: "tensor", shape: [2, 3], dataCount: 5)) {
            try roundTrip(.tensor(Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5])))
        }
    }

    @Test func shapeWhoseProductOverflows() {
        #expect(throws: WireError.shapeMismatch(field: "tensor", shape: [1 << 62, 1 << 62], dataCount: 0)) {
            try roundTrip(.tensor(Tensor(shape: [1 << 62, 1 << 62], data: [])))
        }
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteObservation(value: Float) {
        var segment = SampleMessages.trajectory(steps: 8)
        segment.observations.data[13] = value
        #expect(throws: WireError.nonFinite(field: "trajectory.observations.data", index: 13)) {
            try roundTrip(.trajectory(segment))
        }
    }

    @Test func observationSizeAgainstTheRun() {
        let segment = SampleMessages.trajectory(steps: 8, observationDim: 5)
        #expect(throws: WireError.dimensionMismatch(field: "trajectory.observations.columns", expected: 4, received: 5)) {
            try roundTrip(.trajectory(segment), expecting: WireExpectations(observationDim: 4))
        }
    }

    @Test func foreignEnvironment() {
        #expect(throws: WireError.invalidField("trajectory.env_id", reason: "\"CartPole-v1\" is not this run's environment \"Acrobot-v1\"")) {
            try roundTrip(.trajectory(SampleMessages.trajectory()), expecting: WireExpectations(envID: "Acrobot-v1"))
        }
    }

    @Test func discreteActionOutOfRange() {
        var segment = SampleMessages.trajectory(steps: 8)
        segment.actions.data[2] = 2
        #expect(throws: WireError.invalidField("trajectory.actions", reason: "value 2.0 at index 2 is not an action index below 2")) {
            try roundTrip(.trajectory(segment), expecting: WireExpectations(discreteActions: 2))
        }
    }

    @Test("a step's idle flags are one per copy, and only a step has them")
    func idleFlagsFitTheStep() {
        let step = EnvRequest.Kind.step(Tensor(rows: 2, columns: 1, data: [0, 1]))
        #expect(throws: WireError.invalidField("env_request.idle", reason: "3 flags for 2 copies")) {
            try roundTrip(.envRequest(EnvRequest(requestID: 1, kind: step, idle: [true, false, false])))
        }
        #expect(throws: WireError.invalidField("env_request.idle", reason: "idle copies belong to a step request")) {
            try roundTrip(.envRequest(EnvRequest(requestID: 1, kind: .reset(seed: 1), idle: [true])))
        }
        #expect(throws: Never.self) { try roundTrip(.envRequest(EnvRequest(requestID: 1, kind: step, idle: [true, false]))) }
    }

    @Test func perStepArraysMustMatchTheStepCount() {
        var segment = SampleMessages.trajectory(steps: 8)
        segment.rewards.removeLast()
        #expect(throws: WireError.dimensionMismatch(field: "trajectory.rewards", expected: 8, received: 7)) {
            try roundTrip(.trajectory(segment))
        }
    }

    @Test func finalObservationsMustMatchEpisodeEnds() {
        var segment = SampleMessages.trajectory(steps: 60, episodeLength: 25)
        segment.finalObservationSteps = [24, 48]
        #expect(throws: WireError.invalidField("trajectory.final_observation_steps", reason: "must list exactly the 2 steps that terminated or truncated, in order")) {
            try roundTrip(.trajectory(segment))
        }
    }

    @Test func expertLabelsNeedTheirMask() {
        var segment = SampleMessages.trajectory(steps: 8)
        segment.expertMask = []
        #expect(throws: WireError.missingField("trajectory.expert_mask")) { try roundTrip(.trajectory(segment)) }
    }

    @Test("the expert answers behind a segment's labels travel, and a count its labels cannot explain is refused")
    func expertAnswers() throws {
        var segment = SampleMessages.trajectory(steps: 9)
        let labelled = segment.labelledSteps
        #expect(segment.answersBehindLabels == labelled, "none given: one a label")
        segment.expertAnswers = UInt32(3 * labelled)
        guard case .trajectory(let decoded) = try roundTrip(.trajectory(segment)) else { Issue.record("not a trajectory"); return }
        #expect(decoded.expertAnswers == UInt32(3 * labelled) && decoded.answersBehindLabels == 3 * labelled)
        for forged in [UInt32(labelled - 1), UInt32(labelled * TrajectorySegment.maxExpertsPerLabel + 1), UInt32.max] {
            segment.expertAnswers = forged
            #expect(throws: WireError.self) { try roundTrip(.trajectory(segment)) }
        }
    }

    @Test func damagedWeightsFailTheChecksum() {
        var weights = SampleMessages.weights(layers: [4, 8, 2])
        let sealed = weights.checksum
        weights.models[0].parameters[0].tensor.data[3] += 1
        #expect(throws: WireError.checksumMismatch(expected: sealed, computed: WeightsChecksum.compute(weights.models))) {
            try roundTrip(.weights(weights))
        }
    }

    @Test func duplicateModelNames() {
        let model = Model(kind: .policy, name: "policy", parameters: [])
        #expect(throws: WireError.invalidField("weights.models[1].name", reason: "model name \"policy\" appears twice")) {
            try roundTrip(.weights(Weights(version: 1, models: [model, model])))
        }
    }

    @Test func anotherProtocolVersionIsRefused() throws {
        var bytes = WireCodec.encode(.control(.statusRequest))
        // Field 1 (protocol_version, varint) is first: tag 0x08, then the value.
        #expect(bytes[0] == 0x08 && bytes[1] == UInt8(WireProtocol.version))
        bytes[1] = 2
        #expect(throws: WireError.protocolVersionMismatch(received: 2, supported: WireProtocol.version)) {
            try WireCodec.decode(bytes)
        }
    }

    @Test func oversizeIsRefusedBeforeParsing() {
        let bytes = [UInt8](repeating: 0xFF, count: 2000)
        #expect(throws: WireError.messageTooLarge(bytes: 2000, limit: 1000)) {
            try WireCodec.decode(bytes, limits: WireLimits(maxMessageBytes: 1000))
        }
    }

    @Test("many empty sub-messages hit the allocation budget instead of allocating without bound")
    func allocationAmplificationIsBounded() {
        // weights { models {} models {} ... }: 2 bytes each on the wire, a whole struct each in memory.
        let emptyModels = 200_000
        var weights: [UInt8] = []
        for _ in 0..<emptyModels { weights += [0x1A, 0x00] }
        var bytes: [UInt8] = [0x08, 0x01, 0x22]  // protocol_version 1, field 4 (weights), length-delimited
        var length = weights.count
        while length >= 0x80 {
            bytes.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        bytes.append(UInt8(length))
        bytes += weights
        let limits = WireLimits(allocationFactor: 4, allocationSlack: 0)
        #expect(throws: WireError.allocationBudgetExceeded(bytes: bytes.count, budget: bytes.count * 4)) {
            try WireCodec.decode(bytes, limits: limits)
        }
    }

    @Test func invalidUTF8InAStringIsRefused() {
        var bytes = WireCodec.encode(.control(.stop(reason: "ok")))
        let index = bytes.lastIndex(of: UInt8(ascii: "o"))!
        bytes[index] = 0xC3
        bytes[index + 1] = 0x28
        #expect(throws: WireError.invalidField("control.stop.reason", reason: "not valid UTF-8")) {
            try WireCodec.decode(bytes)
        }
    }
}

@Suite("Environment server messages")
struct EnvironmentMessageValidationTests {
    static func stepped(rows: Int = 2, columns: Int = 3, rewards: [Double] = [1, 1], finals: Int? = nil) -> WireMessage {
        .envReply(EnvReply(requestID: 1, result: .stepped(EnvStepped(
            observations: Tensor(rows: rows, columns: columns, data: [Float](repeating: 0, count: rows * columns)), rewards: rewards,
            terminated: [Bool](repeating: false, count: rewards.count), truncated: [Bool](repeating: false, count: rewards.count),
            finalObservations: Tensor(rows: finals ?? rows, columns: columns, data: [Float](repeating: 0, count: (finals ?? rows) * columns))))))
    }

    @Test("a step reply whose parts disagree (rewards, final observations, the observation size asked for) or holds a non-finite reward is refused")
    func steppedShapes() throws {
        _ = try WireCodec.decode(WireCodec.encode(Self.stepped()), expecting: WireExpectations(observationDim: 3))
        #expect(throws: WireError.self) { try WireCodec.decode(WireCodec.encode(Self.stepped()), expecting: WireExpectations(observationDim: 4)) }
        #expect(throws: WireError.self) { try WireCodec.decode(WireCodec.encode(Self.stepped(rewards: [1, 1, 1]))) }
        #expect(throws: WireError.self) { try WireCodec.decode(WireCodec.encode(Self.stepped(finals: 1))) }
        #expect(throws: WireError.self) { try WireCodec.decode(WireCodec.encode(Self.stepped(rewards: [1, .nan]))) }
    }

    @Test("spaces without a usable action space or with no observations are refused")
    func spaces() throws {
        let box = { (low: [Float], high: [Float], dim: Int) in
            WireMessage.envReply(EnvReply(requestID: 1, result: .spaces(EnvSpaces(
                envID: "X", copies: 1, observationDim: dim, discreteActions: 0, actionLow: low, actionHigh: high, maxEpisodeSteps: 0, rewardThreshold: nil))))
        }
        _ = try WireCodec.decode(WireCodec.encode(box([-1], [1], 3)))
        for bad in [box([], [], 3), box([-1, -1], [1], 3), box([2], [1], 3), box([-1], [1], 0)] {
            #expect(throws: WireError.self) { try WireCodec.decode(WireCodec.encode(bad)) }
        }
    }
}
