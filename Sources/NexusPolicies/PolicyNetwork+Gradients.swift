import NexusNN

/// The training side of a policy for policy-gradient losses: log π(a|s) and entropy of a
/// batch of (already normalised) observations and chosen actions, and the backward pass from
/// d loss / d log π and d loss / d entropy into the network's and the log-std's gradients.
extension PolicyNetwork {
    /// Runs the network on `rows` normalised observations and writes each row's log π of
    /// `chosen` (`[rows, actionDim]`) and entropy.
    public func logProbabilityAndEntropy(
        normalised observations: UnsafeBufferPointer<Float>, rows: Int, chosen: UnsafeBufferPointer<Float>,
        logProbabilities: UnsafeMutableBufferPointer<Float>, entropies: UnsafeMutableBufferPointer<Float>
    ) {
        mlp.forward(observations, batch: rows)
        mlp.withOutput { output in
            switch head {
            case .categorical:
                CategoricalHead.logProbabilityAndEntropy(
                    logits: output, actions: outputSize, chosen: chosen, logProbabilities: logProbabilities, entropies: entropies)
            case .gaussian:
                withLogStd { logStd in
                    GaussianHead.logProbabilityAndEntropy(means: output, logStd: logStd, chosen: chosen, logProbabilities: logProbabilities, entropies: entropies)
                }
            }
        }
    }

    /// Adds the gradients of the loss whose derivatives per row are `logProbabilityGradient`
    /// and `entropyGradient` to `mlp.parameters.gradients`, through the last forward pass of
    /// `logProbabilityAndEntropy`.
    public func backwardLogProbabilityAndEntropy(
        chosen: UnsafeBufferPointer<Float>, logProbabilityGradient: UnsafeBufferPointer<Float>, entropyGradient: UnsafeBufferPointer<Float>
    ) {
        let rows = logProbabilityGradient.count
        var outputGradient = [Float](repeating: 0, count: rows * outputSize)
        mlp.withOutput { output in
            outputGradient.withUnsafeMutableBufferPointer { gradient in
                switch head {
                case .categorical:
                    CategoricalHead.backwardLogProbabilityAndEntropy(
                        logits: output, actions: outputSize, chosen: chosen, logProbabilityGradient: logProbabilityGradient,
                        entropyGradient: entropyGradient, into: gradient)
                case .gaussian:
                    let offset = logStdOffset!
                    var logStdGradient = [Float](repeating: 0, count: outputSize)
                    withLogStd { logStd in
                        logStdGradient.withUnsafeMutableBufferPointer {
                            GaussianHead.backwardLogProbabilityAndEntropy(
                                means: output, logStd: logStd, chosen: chosen, logProbabilityGradient: logProbabilityGradient,
                                entropyGradient: entropyGradient, meanGradient: gradient, logStdGradient: $0)
                        }
                    }
                    for index in 0..<outputSize { mlp.parameters.gradients[offset + index] += logStdGradient[index] }
                }
            }
        }
        mlp.backward(outputGradient)
    }

    func withLogStd<R>(_ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        let offset = logStdOffset!
        return mlp.parameters.values.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[offset..<(offset + outputSize)])) }
    }

    /// Keeps the Gaussian log-stds within `range` (after an optimiser step): a policy that
    /// spreads far beyond its action box acts no better than one at the box's width, and a
    /// reward with an entropy term (AIRL's −log π) would otherwise widen it without end.
    public func clampLogStd(to range: ClosedRange<Float>) {
        guard let offset = logStdOffset else { return }
        for index in offset..<(offset + outputSize) {
            mlp.parameters.values[index] = min(range.upperBound, max(range.lowerBound, mlp.parameters.values[index]))
        }
    }
}
