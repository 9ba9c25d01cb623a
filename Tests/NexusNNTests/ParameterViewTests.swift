import NexusWire
import Testing

@testable import NexusNN

@Suite("Parameters as named tensors")
struct ParameterViewTests {
    /// Through a real `Weights` message and a checkpoint, encoded and decoded.
    @Test("weights survive a Weights message and a checkpoint bit for bit, optimiser state included")
    func roundTripThroughTheWire() throws {
        var random = RandomSource(seed: 12)
        let source = MLP(sizes: [4, 16, 16, 2], spectralNormalisation: false, random: &random)
        let adam = Adam(parameterCount: source.parameters.count, learningRate: 1e-2)
        source.parameters.gradients = source.parameters.values.map { $0 * 0.1 + 0.01 }
        adam.update(source.parameters)  // values no longer the initial ones, moments non-zero

        let model = Model(kind: .policy, name: "policy", architecture: "mlp 4-16-16-2 tanh", parameters: source.parameters.namedTensors().map {
            NamedTensor(name: $0.name, tensor: Tensor(shape: $0.shape, data: $0.values))
        })
        let message = WireCodec.encode(.weights(Weights(version: 3, models: [model])))
        guard case .weights(let received) = try WireCodec.decode(message) else {
            Issue.record("not weights")
            return
        }
        var target = RandomSource(seed: 99)
        let copy = MLP(sizes: [4, 16, 16, 2], random: &target)
        try copy.parameters.load(received.models[0].parameters.map { ($0.name, $0.tensor.shape, $0.tensor.data) })
        #expect(copy.parameters.values.map(\.bitPattern) == source.parameters.values.map(\.bitPattern))

        let state = adam.state
        let checkpoint = Checkpoint(
            runID: "r", algo: "bc", envID: "CartPole-v1", iteration: 1, weights: received,
            optimizerState: [NamedTensor(name: "adam.m", tensor: Tensor(shape: [state.firstMoment.count], data: state.firstMoment)),
                             NamedTensor(name: "adam.v", tensor: Tensor(shape: [state.secondMoment.count], data: state.secondMoment))],
            rngState: random.stateWords)
        let restored = try StorageCodec.decodeCheckpoint(StorageCodec.encode(checkpoint))
        #expect(restored.optimizerState[0].tensor.data.map(\.bitPattern) == state.firstMoment.map(\.bitPattern))
        #expect(RandomSource(state: restored.rngState) == random)
    }

    @Test func loadingRefusesWhatDoesNotFit() {
        var random = RandomSource(seed: 1)
        let mlp = MLP(sizes: [2, 3, 1], random: &random)
        var tensors = mlp.parameters.namedTensors()
        let before = mlp.parameters.values
        tensors[0].shape = [3, 3]
        #expect(throws: ParameterLoadError.shapeMismatch("mlp.layer0.weight", expected: [3, 2], received: [3, 3])) { try mlp.parameters.load(tensors) }
        #expect(throws: ParameterLoadError.missing("mlp.layer0.weight")) { try mlp.parameters.load(Array(mlp.parameters.namedTensors().dropFirst())) }
        #expect(throws: ParameterLoadError.unexpected("other")) { try mlp.parameters.load(mlp.parameters.namedTensors() + [("other", [1], [0])]) }
        #expect(mlp.parameters.values == before)
    }
}
