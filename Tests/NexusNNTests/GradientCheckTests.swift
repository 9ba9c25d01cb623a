import NexusTestKit
import Testing

@testable import NexusNN

/// Central finite differences against the hand-written backward passes (tolerance: see
/// `FiniteDifferences`).
@Suite("Gradients match finite differences")
struct GradientCheckTests {
    static func close(_ analytic: Float, _ numeric: Float) -> Bool { FiniteDifferences.close(analytic, numeric) }

    /// Checks `analytic` against central differences of `loss` in every parameter of `mlp`.
    static func expectParameterGradients(_ mlp: MLP, analytic: [Float], epsilon: Float = 1e-2, loss: () -> Float) {
        let saved = mlp.parameters.values
        defer { mlp.parameters.values = saved }
        expectMatches(analytic, at: saved, epsilon: epsilon, "parameter") { values in
            mlp.parameters.values = values
            return loss()
        }
    }

    /// Checks `analytic` against central differences of `loss` in every entry of `point`.
    static func expectMatches(_ analytic: [Float], at point: [Float], epsilon: Float = 1e-2, _ what: String, loss: ([Float]) -> Float) {
        for mismatch in FiniteDifferences.mismatches(analytic, at: point, epsilon: epsilon, loss: loss) { Issue.record("\(what) \(mismatch)") }
    }

    /// loss = Σ c ⊙ MLP(x): d loss / d output = c.
    static func loss(_ mlp: MLP, input: [Float], batch: Int, weights: [Float]) -> Float {
        mlp.forward(input, batch: batch)
        return zip(mlp.output, weights).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test(arguments: [
        ([3, 5, 4, 2], Activation.tanh, UInt64(1)), ([4, 7, 1], .tanh, 2), ([2, 6, 6, 3], .relu, 3),
        ([5, 3, 4], .relu, 4), ([3, 4, 2], .identity, 5), ([6, 8, 8, 8, 2], .tanh, 6),
    ])
    func mlpParametersAndInput(sizes: [Int], activation: Activation, seed: UInt64) {
        var random = RandomSource(seed: seed)
        let mlp = MLP(sizes: sizes, activation: activation, outputInitialisation: .orthogonal(gain: 1), random: &random)
        for index in mlp.parameters.values.indices where mlp.parameters.entries.contains(where: { $0.name.hasSuffix("bias") && (($0.offset)..<($0.offset + $0.count)).contains(index) }) {
            mlp.parameters.values[index] = random.nextFloat(in: -0.5...0.5)  // non-zero biases
        }
        let batch = 3
        let input = (0..<(batch * sizes[0])).map { _ in random.nextFloat(in: -1.5...1.5) }
        let weights = (0..<(batch * sizes.last!)).map { _ in random.nextFloat() }
        mlp.parameters.zeroGradients()
        _ = Self.loss(mlp, input: input, batch: batch, weights: weights)
        mlp.backward(weights)
        let analytic = mlp.parameters.gradients
        let inputGradient = mlp.inputGradient
        let epsilon: Float = activation == .relu ? 1e-3 : 1e-2

        Self.expectParameterGradients(mlp, analytic: analytic, epsilon: epsilon) {
            Self.loss(mlp, input: input, batch: batch, weights: weights)
        }
        Self.expectMatches(inputGradient, at: input, epsilon: epsilon, "input") {
            Self.loss(mlp, input: $0, batch: batch, weights: weights)
        }
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func categoricalCrossEntropy(seed: UInt64) {
        var random = RandomSource(seed: seed)
        let (batch, actions) = (4, 5)
        let logits = (0..<(batch * actions)).map { _ in random.nextFloat(in: -3...3) }
        let labels = (0..<batch).map { _ in Int32(Int.random(in: 0..<actions, using: &random)) }
        func loss(_ logits: [Float]) -> Float {
            var scratch = [Float](repeating: 0, count: logits.count)
            return logits.withUnsafeBufferPointer { l in
                labels.withUnsafeBufferPointer { y in
                    scratch.withUnsafeMutableBufferPointer { CategoricalHead.crossEntropy(logits: l, labels: y, actions: actions, gradient: $0) }
                }
            }
        }
        var gradient = [Float](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { l in
            labels.withUnsafeBufferPointer { y in
                gradient.withUnsafeMutableBufferPointer { _ = CategoricalHead.crossEntropy(logits: l, labels: y, actions: actions, gradient: $0) }
            }
        }
        Self.expectMatches(gradient, at: logits, "logit", loss: loss)
    }

    @Test(arguments: [UInt64(21), 22, 23])
    func gaussianNegativeLogLikelihood(seed: UInt64) {
        var random = RandomSource(seed: seed)
        let (batch, dims) = (5, 3)
        let means = (0..<(batch * dims)).map { _ in random.nextFloat(in: -1...1) }
        let logStd = (0..<dims).map { _ in random.nextFloat(in: -1...0.5) }
        let actions = (0..<(batch * dims)).map { _ in random.nextFloat(in: -2...2) }
        func evaluate(_ means: [Float], _ logStd: [Float]) -> (Float, [Float], [Float]) {
            var meanGradient = [Float](repeating: 0, count: means.count)
            var logStdGradient = [Float](repeating: 0, count: dims)
            let loss = means.withUnsafeBufferPointer { m in
                logStd.withUnsafeBufferPointer { s in
                    actions.withUnsafeBufferPointer { a in
                        meanGradient.withUnsafeMutableBufferPointer { mg in
                            logStdGradient.withUnsafeMutableBufferPointer { sg in
                                GaussianHead.negativeLogLikelihood(means: m, logStd: s, actions: a, meanGradient: mg, logStdGradient: sg)
                            }
                        }
                    }
                }
            }
            return (loss, meanGradient, logStdGradient)
        }
        let (_, meanGradient, logStdGradient) = evaluate(means, logStd)
        Self.expectMatches(meanGradient, at: means, "mean") { evaluate($0, logStd).0 }
        Self.expectMatches(logStdGradient, at: logStd, "logStd") { evaluate(means, $0).0 }
    }
}
