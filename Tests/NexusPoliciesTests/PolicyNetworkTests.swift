import NexusNN
import NexusWire
import Testing

@testable import NexusPolicies

@Suite("Policy networks as models")
struct PolicyNetworkTests {
    @Test("a policy survives a checkpoint round trip and acts the same", arguments: [PolicyNetwork.Head.categorical, .gaussian])
    func roundTrip(head: PolicyNetwork.Head) throws {
        var random = RandomSource(seed: 3)
        let policy = PolicyNetwork(sizes: [3, 16, 2], activation: .tanh, head: head, random: &random)
        let checkpoint = Checkpoint(runID: "r", algo: "bc", envID: "X", iteration: 1, weights: Weights(version: 1, models: [policy.model()]))
        let restored = try PolicyNetwork(model: try StorageCodec.decodeCheckpoint(StorageCodec.encode(checkpoint)).weights.models[0])
        #expect(restored.architecture == policy.architecture)
        for _ in 0..<20 {
            let observation = (0..<3).map { _ in random.nextFloat(in: -2...2) }
            var a = [Float](repeating: 0, count: 2), b = a
            observation.withUnsafeBufferPointer { o in
                a.withUnsafeMutableBufferPointer { policy.act(o, into: $0) }
                b.withUnsafeMutableBufferPointer { restored.act(o, into: $0) }
            }
            #expect(a == b)
        }
    }

    @Test func badModelsAreNamed() {
        let bad = Model(kind: .policy, name: "policy", architecture: "cnn 3-2", parameters: [])
        #expect(throws: PolicyError.self) { try PolicyNetwork(model: bad) }
        var random = RandomSource(seed: 1)
        var model = PolicyNetwork(sizes: [3, 4, 2], activation: .tanh, head: .categorical, random: &random).model()
        model.architecture = "mlp 3-5-2 tanh categorical"
        #expect(throws: PolicyError.self) { try PolicyNetwork(model: model) }
        model.kind = .value
        #expect(throws: PolicyError.self) { try PolicyNetwork(model: model) }
    }
}
