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

    @Test("orthogonal initial weights put the first actions near the centre; PyTorch's uniform ones (the zoo's ortho_init=False) within ±1/√inputs, the output too")
    func initialWeights() throws {
        var random = RandomSource(seed: 4)
        let orthogonal = PolicyNetwork(sizes: [17, 256, 256, 6], activation: .relu, head: .gaussian, random: &random)
        let uniform = PolicyNetwork(sizes: [17, 256, 256, 6], activation: .relu, head: .gaussian, orthogonal: false, random: &random)
        let output = { (policy: PolicyNetwork) in try #require(policy.mlp.parameters.values(of: "policy.layer2.weight")) }
        let first = { (policy: PolicyNetwork) in try #require(policy.mlp.parameters.values(of: "policy.layer0.weight")) }
        // Orthogonal rows of gain 0.01 have norm 0.01; uniform ones in ±1/16 have a norm near √(256/3)/16 ≈ 0.58.
        #expect(try output(orthogonal).map { $0 * $0 }.reduce(0, +) < 6 * 0.0001 * 1.01)
        #expect(try output(uniform).allSatisfy { abs($0) <= 1 / 16 })
        #expect(try output(uniform).map { $0 * $0 }.reduce(0, +) > 6 * 0.2)
        #expect(try first(uniform).allSatisfy { abs($0) <= 1 / Float(17).squareRoot() })
    }
}
