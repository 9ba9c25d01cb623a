import Testing

@testable import NexusNN

/// The distribution terms of policy-gradient losses (log π of a chosen action, entropy)
/// against central finite differences, for both heads.
@Suite("Policy-gradient terms match finite differences")
struct PolicyGradientCheckTests {
    /// loss = Σ_rows a_row·log π(chosen_row) + b_row·H_row, with random a and b.
    @Test(arguments: [UInt64(31), 32, 33])
    func categoricalLogProbabilityAndEntropy(seed: UInt64) {
        var random = RandomSource(seed: seed)
        let (rows, actions) = (5, 4)
        let logits = (0..<(rows * actions)).map { _ in random.nextFloat(in: -2...2) }
        let chosen = (0..<rows).map { _ in Float(Int.random(in: 0..<actions, using: &random)) }
        let a = (0..<rows).map { _ in random.nextFloat(in: -1...1) }, b = (0..<rows).map { _ in random.nextFloat(in: -1...1) }
        func loss(_ logits: [Float]) -> Float {
            var logp = [Float](repeating: 0, count: rows), entropy = logp
            logits.withUnsafeBufferPointer { l in
                chosen.withUnsafeBufferPointer { c in
                    logp.withUnsafeMutableBufferPointer { lp in
                        entropy.withUnsafeMutableBufferPointer {
                            CategoricalHead.logProbabilityAndEntropy(logits: l, actions: actions, chosen: c, logProbabilities: lp, entropies: $0)
                        }
                    }
                }
            }
            return (0..<rows).reduce(0) { $0 + a[$1] * logp[$1] + b[$1] * entropy[$1] }
        }
        var gradient = [Float](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { l in
            chosen.withUnsafeBufferPointer { c in
                a.withUnsafeBufferPointer { ga in
                    b.withUnsafeBufferPointer { gb in
                        gradient.withUnsafeMutableBufferPointer {
                            CategoricalHead.backwardLogProbabilityAndEntropy(
                                logits: l, actions: actions, chosen: c, logProbabilityGradient: ga, entropyGradient: gb, into: $0)
                        }
                    }
                }
            }
        }
        GradientCheckTests.expectMatches(gradient, at: logits, epsilon: 1e-2, "logit", loss: loss)
    }

    @Test(arguments: [UInt64(41), 42, 43])
    func gaussianLogProbabilityAndEntropy(seed: UInt64) {
        var random = RandomSource(seed: seed)
        let (rows, dims) = (4, 3)
        let means = (0..<(rows * dims)).map { _ in random.nextFloat(in: -1...1) }
        let logStd = (0..<dims).map { _ in random.nextFloat(in: -1...0.5) }
        let chosen = (0..<(rows * dims)).map { _ in random.nextFloat(in: -2...2) }
        let a = (0..<rows).map { _ in random.nextFloat(in: -1...1) }, b = (0..<rows).map { _ in random.nextFloat(in: -1...1) }
        func loss(_ means: [Float], _ logStd: [Float]) -> Float {
            var logp = [Float](repeating: 0, count: rows), entropy = logp
            means.withUnsafeBufferPointer { m in
                logStd.withUnsafeBufferPointer { s in
                    chosen.withUnsafeBufferPointer { c in
                        logp.withUnsafeMutableBufferPointer { lp in
                            entropy.withUnsafeMutableBufferPointer {
                                GaussianHead.logProbabilityAndEntropy(means: m, logStd: s, chosen: c, logProbabilities: lp, entropies: $0)
                            }
                        }
                    }
                }
            }
            return (0..<rows).reduce(0) { $0 + a[$1] * logp[$1] + b[$1] * entropy[$1] }
        }
        var meanGradient = [Float](repeating: 0, count: means.count), logStdGradient = [Float](repeating: 0, count: dims)
        means.withUnsafeBufferPointer { m in
            logStd.withUnsafeBufferPointer { s in
                chosen.withUnsafeBufferPointer { c in
                    a.withUnsafeBufferPointer { ga in
                        b.withUnsafeBufferPointer { gb in
                            meanGradient.withUnsafeMutableBufferPointer { mg in
                                logStdGradient.withUnsafeMutableBufferPointer {
                                    GaussianHead.backwardLogProbabilityAndEntropy(
                                        means: m, logStd: s, chosen: c, logProbabilityGradient: ga, entropyGradient: gb, meanGradient: mg, logStdGradient: $0)
                                }
                            }
                        }
                    }
                }
            }
        }
        GradientCheckTests.expectMatches(meanGradient, at: means, "mean") { loss($0, logStd) }
        GradientCheckTests.expectMatches(logStdGradient, at: logStd, "logStd") { loss(means, $0) }
    }
}
