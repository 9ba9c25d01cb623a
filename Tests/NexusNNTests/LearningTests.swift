import Foundation
import NexusTestKit
import Testing

@testable import NexusNN

@Suite("Learning sanity")
struct LearningTests {
    /// Trains a tanh MLP on y = sin(x) with Adam; returns the final mean squared error on a grid.
    static func fitSine(seed: UInt64, steps: Int) -> (error: Float, parameters: [Float]) {
        var random = RandomSource(seed: seed)
        let mlp = MLP(sizes: [1, 32, 32, 1], activation: .tanh, random: &random)
        let adam = Adam(parameterCount: mlp.parameters.count, learningRate: 3e-3)
        let batch = 64
        var input = [Float](repeating: 0, count: batch)
        var gradient = [Float](repeating: 0, count: batch)
        for _ in 0..<steps {
            for index in 0..<batch { input[index] = random.nextFloat(in: -Float.pi...Float.pi) }
            mlp.forward(input, batch: batch)
            let output = mlp.output
            for index in 0..<batch { gradient[index] = 2 * (output[index] - sin(input[index])) / Float(batch) }
            mlp.parameters.zeroGradients()
            mlp.backward(gradient)
            adam.update(mlp.parameters)
        }
        let grid = (0..<200).map { -Float.pi + 2 * Float.pi * Float($0) / 199 }
        mlp.forward(grid, batch: grid.count)
        let error = zip(mlp.output, grid).reduce(0) { $0 + pow($1.0 - sin($1.1), 2) } / Float(grid.count)
        return (error, mlp.parameters.values)
    }

    @Test("an MLP fits sin(x) on [-π, π] (MSE below 0.005) for several seeds", arguments: [UInt64(1), 2, 3])
    func fitsSine(seed: UInt64) async throws {
        let (error, _) = try await offCooperativePool { Self.fitSine(seed: seed, steps: 2000) }
        #expect(error < 0.005, "MSE \(error)")
    }

    @Test("same seed, same training: bit-identical parameters")
    func determinism() async throws {
        let (first, second, other) = try await offCooperativePool {
            (Self.fitSine(seed: 9, steps: 200), Self.fitSine(seed: 9, steps: 200), Self.fitSine(seed: 10, steps: 200))
        }
        #expect(first.parameters == second.parameters)
        #expect(first.parameters != other.parameters)
    }

    @Test("a categorical policy learns labelled CartPole-like states to at least 99 % accuracy", arguments: [UInt64(5), 6])
    func categoricalPolicy(seed: UInt64) async throws {
        let accuracy = try await offCooperativePool { Self.trainCategoricalPolicy(seed: seed) }
        #expect(accuracy >= 0.99, "accuracy \(accuracy)")
    }

    static func trainCategoricalPolicy(seed: UInt64) -> Double {
        var random = RandomSource(seed: seed)
        // The label is what a good CartPole controller does: push towards where the pole falls.
        func sample() -> ([Float], Int32) {
            let state = [random.nextFloat(in: -2.4...2.4), random.nextFloat(in: -2...2), random.nextFloat(in: -0.2...0.2), random.nextFloat(in: -2...2)]
            let push = state[2] + 0.3 * state[3] + 0.02 * state[0] + 0.05 * state[1]
            return (state, push > 0 ? 1 : 0)
        }
        let mlp = MLP(sizes: [4, 64, 64, 2], activation: .tanh, outputInitialisation: .orthogonal(gain: 0.01), random: &random)
        let trainer = ClassifierTrainer(network: mlp, learningRate: 1e-3)
        let batch = 128
        for _ in 0..<3000 {
            var states: [Float] = []
            var labels: [Int32] = []
            for _ in 0..<batch {
                let (state, label) = sample()
                states += state
                labels.append(label)
            }
            trainer.step(inputs: states, labels: labels)
        }
        var correct = 0
        let tests = 5000
        for _ in 0..<tests {
            let (state, label) = sample()
            mlp.forward(state, batch: 1)
            if mlp.withOutput({ CategoricalHead.mode($0, row: 0, actions: 2) }) == Int(label) { correct += 1 }
        }
        return Double(correct) / Double(tests)
    }

    @Test func clippingScalesTheGlobalNorm() {
        let store = ParameterStore()
        store.add("a", shape: [2]) { _ in 0 }
        store.add("b", shape: [1]) { _ in 0 }
        store.gradients = [3, 0, 4]
        #expect(GradientClipping.clipGlobalNorm(store, maxNorm: 1) == 5)
        #expect(store.gradients.map { ($0 * 1000).rounded() / 1000 } == [0.6, 0, 0.8])
        #expect(GradientClipping.clipGlobalNorm(store, maxNorm: 10) <= 1.0001)
        #expect(store.gradients.map { ($0 * 1000).rounded() / 1000 } == [0.6, 0, 0.8])
    }

    @Test("orthogonal initialisation gives orthonormal rows times the gain")
    func orthogonalRows() {
        var random = RandomSource(seed: 3)
        let matrix = Initialisation.orthogonal(gain: 2).matrix(outputs: 4, inputs: 9, random: &random)
        for i in 0..<4 {
            for j in 0..<4 {
                let dot = (0..<9).reduce(Float(0)) { $0 + matrix[i * 9 + $1] * matrix[j * 9 + $1] }
                #expect(abs(dot - (i == j ? 4 : 0)) < 1e-4)
            }
        }
    }
}

@Suite("Forward passes")
struct ForwardTests {
    @Test("a batch of one (matrix-vector path) gives exactly the row of a larger batch (matrix-matrix path), to float rounding",
          arguments: [[4, 64, 64, 2], [17, 256, 256, 6], [3, 5, 1]])
    func singleRowMatchesBatch(sizes: [Int]) {
        var random = RandomSource(seed: 77)
        let mlp = MLP(sizes: sizes, random: &random)
        let batch = 5
        let input = (0..<(batch * sizes[0])).map { _ in random.nextFloat(in: -2...2) }
        mlp.forward(input, batch: batch)
        let all = mlp.output
        for row in 0..<batch {
            mlp.forward(Array(input[(row * sizes[0])..<((row + 1) * sizes[0])]), batch: 1)
            for (column, value) in mlp.output.enumerated() {
                let expected = all[row * sizes.last! + column]
                #expect(abs(value - expected) <= 1e-5 * max(1, abs(expected)), "row \(row) column \(column): \(value) vs \(expected)")
            }
        }
    }

    @Test("OpenBLAS's products agree with a double-precision reference, whatever kernel it picked")
    func blasAgreesWithReference() throws {
        try NexusNN.verifyBLAS()
    }
}
