import Testing

@testable import NexusNN

/// Spectral normalisation and gradient penalties against central finite differences (same
/// tolerance argument as GradientCheckTests).
@Suite("Discriminator tools: gradients match finite differences")
struct DiscriminatorGradientTests {
    static func makeDiscriminator(sizes: [Int], activation: Activation, spectral: Bool, seed: UInt64) -> MLP {
        var random = RandomSource(seed: seed)
        let mlp = MLP(sizes: sizes, activation: activation, spectralNormalisation: spectral, random: &random)
        for entry in mlp.parameters.entries where entry.name.hasSuffix("bias") {
            for index in entry.offset..<(entry.offset + entry.count) { mlp.parameters.values[index] = random.nextFloat(in: -0.3...0.3) }
        }
        // Hold u and v still, so that finite differences see the function the backward pass differentiates.
        mlp.updatesSpectralEstimates = false
        return mlp
    }

    @Test("spectral normalisation: backward through W/σ(W)", arguments: [UInt64(1), 2])
    func spectralNormBackward(seed: UInt64) {
        let mlp = Self.makeDiscriminator(sizes: [3, 6, 5, 2], activation: .tanh, spectral: true, seed: seed)
        var random = RandomSource(seed: seed + 100)
        let input = (0..<(4 * 3)).map { _ in random.nextFloat(in: -1...1) }
        let weights = (0..<(4 * 2)).map { _ in random.nextFloat() }
        mlp.parameters.zeroGradients()
        _ = GradientCheckTests.loss(mlp, input: input, batch: 4, weights: weights)
        mlp.backward(weights)
        GradientCheckTests.expectParameterGradients(mlp, analytic: mlp.parameters.gradients) {
            GradientCheckTests.loss(mlp, input: input, batch: 4, weights: weights)
        }
    }

    @Test("spectral normalisation bounds every layer's largest singular value by 1")
    func spectralNormIsOne() {
        var random = RandomSource(seed: 4)
        let mlp = MLP(sizes: [8, 32, 32, 1], activation: .tanh, hiddenInitialisation: .uniform, outputInitialisation: .uniform, spectralNormalisation: true, random: &random)
        for index in mlp.parameters.values.indices { mlp.parameters.values[index] *= 7 }
        for _ in 0..<50 { mlp.forward([Float](repeating: 0.1, count: 8), batch: 1) }
        // σ of Ŵ = W/σ(W) is 1: check by power iteration on the normalised matrices directly.
        for layer in mlp.spectral! {
            var v = [Float](repeating: 1, count: layer.inputs)
            var sigma: Float = 0
            for _ in 0..<200 {
                var u = [Float](repeating: 0, count: layer.outputs)
                for r in 0..<layer.outputs { for c in 0..<layer.inputs { u[r] += layer.normalised[r * layer.inputs + c] * v[c] } }
                sigma = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
                var next = [Float](repeating: 0, count: layer.inputs)
                for r in 0..<layer.outputs { for c in 0..<layer.inputs { next[c] += layer.normalised[r * layer.inputs + c] * u[r] } }
                let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
                v = next.map { $0 / norm }
            }
            #expect(abs(sigma - 1) < 1e-3, "σ(Ŵ) = \(sigma)")
        }
    }

    @Test("gradient penalty: exact parameter gradients (reverse over reverse)",
          arguments: [(GradientPenalty.zeroCentred, Activation.tanh, false, UInt64(1)), (.oneCentred, .tanh, false, 2),
                      (.zeroCentred, .tanh, true, 3), (.oneCentred, .identity, false, 4), (.zeroCentred, .tanh, false, 5)])
    func gradientPenalty(kind: GradientPenalty, activation: Activation, spectral: Bool, seed: UInt64) {
        let sizes = seed == 5 ? [4, 7, 6, 5, 1] : [3, 6, 5, 1]
        let mlp = Self.makeDiscriminator(sizes: sizes, activation: activation, spectral: spectral, seed: seed)
        var random = RandomSource(seed: seed + 200)
        let batch = 3
        let input = (0..<(batch * sizes[0])).map { _ in random.nextFloat(in: -1.5...1.5) }
        mlp.parameters.zeroGradients()
        let penalty = mlp.addGradientPenalty(kind, weight: 2.5, input: input, batch: batch)
        #expect(penalty > 0)
        let analytic = mlp.parameters.gradients
        GradientCheckTests.expectParameterGradients(mlp, analytic: analytic) {
            mlp.addGradientPenalty(kind, weight: 2.5, input: input, batch: batch)
        }
    }

    @Test("the penalty's value is the input gradient's norm, cross-checked by finite differences in the input")
    func penaltyValue() {
        let mlp = Self.makeDiscriminator(sizes: [3, 5, 1], activation: .tanh, spectral: false, seed: 9)
        let input: [Float] = [0.3, -0.2, 0.7]
        var squaredNorm: Float = 0
        for index in input.indices {
            var plus = input, minus = input
            plus[index] += 1e-2
            minus[index] -= 1e-2
            mlp.forward(plus, batch: 1)
            let high = mlp.output[0]
            mlp.forward(minus, batch: 1)
            let low = mlp.output[0]
            let derivative = (high - low) / 2e-2
            squaredNorm += derivative * derivative
        }
        let penalty = mlp.addGradientPenalty(.zeroCentred, weight: 1, input: input, batch: 1)
        #expect(abs(penalty - squaredNorm) <= 1e-3 * squaredNorm + 1e-5)
    }
}
