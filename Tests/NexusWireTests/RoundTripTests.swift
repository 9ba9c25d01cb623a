import NexusTestKit
import Testing

@testable import NexusWire

@Suite("Wire round trips")
struct RoundTripTests {
    @Test("every message kind decodes to the value that was encoded, and re-encodes byte for byte",
          arguments: SampleMessages.everyKind())
    func everyKindRoundTrips(message: WireMessage) throws {
        let bytes = WireCodec.encode(message)
        let decoded = try WireCodec.decode(bytes)
        #expect(decoded == message)
        #expect(WireCodec.encode(decoded) == bytes)
    }

    @Test("a tensor exactly at the element and size limits round trips; one element more is refused")
    func maximalTensor() throws {
        let elements = 1 << 18
        let tensor = Tensor(shape: [elements / 64, 64], data: (0..<elements).map { Float($0 % 1000) * 0.5 })
        let bytes = WireCodec.encode(.tensor(tensor))
        let limits = WireLimits(maxMessageBytes: bytes.count, maxTensorElements: elements)
        #expect(try WireCodec.decode(bytes, limits: limits) == .tensor(tensor))

        let bigger = Tensor(shape: [elements + 1], data: [Float](repeating: 1, count: elements + 1))
        let biggerBytes = WireCodec.encode(.tensor(bigger))
        #expect(throws: WireError.messageTooLarge(bytes: biggerBytes.count, limit: bytes.count)) {
            try WireCodec.decode(biggerBytes, limits: limits)
        }
        let roomy = WireLimits(maxMessageBytes: biggerBytes.count, maxTensorElements: elements)
        #expect(throws: WireError.limitExceeded(field: "tensor.data", value: elements + 1, limit: elements)) {
            try WireCodec.decode(biggerBytes, limits: roomy)
        }
    }

    @Test("checkpoints round trip exactly, optimiser state and counters included")
    func checkpointRoundTrip() throws {
        let checkpoint = Checkpoint(
            runID: "run-1", algo: "dagger", envID: "CartPole-v1", iteration: 17,
            weights: SampleMessages.weights(layers: [4, 64, 64, 2]),
            optimizerState: [NamedTensor(name: "adam.m.layer0", tensor: Tensor(rows: 2, columns: 2, data: [1, 2, 3, 4]))],
            counters: [Metric(name: "env_steps", value: 12345)], runConfig: "algo: dagger", rngState: [1, 2, 3, 4])
        let bytes = StorageCodec.encode(checkpoint)
        let decoded = try StorageCodec.decodeCheckpoint(bytes)
        #expect(decoded == checkpoint)
        #expect(StorageCodec.encode(decoded) == bytes)
    }

    @Test("a checkpoint file past a network message's bounds (36 MB, 9M values in one tensor) reads back; the same bytes as a message are refused")
    func largeCheckpointFile() throws {
        let values = 9 << 20
        let checkpoint = Checkpoint(
            runID: "run-1", algo: "mega-dagger", envID: "gym:Ant-v5", iteration: 400, weights: SampleMessages.weights(layers: [27, 8]),
            optimizerState: [NamedTensor(name: "world_model.transitions.observations", tensor: Tensor(rows: values / 36, columns: 36, data: [Float](repeating: 0.5, count: values)))])
        let bytes = CheckpointFile.encode(checkpoint)
        #expect(bytes.count > WireLimits.default.maxMessageBytes)
        #expect(try CheckpointFile.decode(bytes, path: "latest.nxckpt") == checkpoint)
        #expect(throws: WireError.self) { try StorageCodec.decodeCheckpoint(Array(bytes[24...])) }
    }

    @Test("demonstration records round trip and episodes are checked against the header")
    func demonstrationRecords() throws {
        let header = DemonstrationHeader(envID: "CartPole-v1", observationDim: 4, actionDim: 1, discreteActions: 2, expert: "analytic", seed: 9, nexusVersion: "0.1.0")
        var withArguments = header
        withArguments.environmentArguments = ["sutton_barto_reward": 1, "b": -2.5]
        let episode = SampleMessages.trajectory(steps: 30, episodeLength: 30, withExpertLabels: false)
        for record in [DemonstrationRecord.header(header), .header(withArguments), .episode(episode)] {
            let bytes = StorageCodec.encode(record)
            let decoded = try bytes.withUnsafeBytes { try StorageCodec.decodeDemonstrationRecord($0, expecting: header.expectations) }
            #expect(decoded == record)
        }
        let wrongShape = SampleMessages.trajectory(steps: 30, observationDim: 3, episodeLength: 30, withExpertLabels: false)
        let bytes = StorageCodec.encode(.episode(wrongShape))
        #expect(throws: WireError.dimensionMismatch(field: "trajectory.observations.columns", expected: 4, received: 3)) {
            try bytes.withUnsafeBytes { try StorageCodec.decodeDemonstrationRecord($0, expecting: header.expectations) }
        }
    }
}
