import Foundation

/// A diagonal Gaussian with state-independent log standard deviations: the network gives the
/// means `[batch, dims]`, a parameter vector `logStd` `[dims]` the spreads.
public enum GaussianHead {
    private static let halfLogTwoPi = Float(0.5 * log(2 * Double.pi))

    /// Mean negative log-likelihood of `actions`, with its gradients (divided by the batch
    /// size) with respect to the means and to `logStd`, *added* into the two gradient buffers.
    @discardableResult
    public static func negativeLogLikelihood(
        means: UnsafeBufferPointer<Float>, logStd: UnsafeBufferPointer<Float>, actions: UnsafeBufferPointer<Float>,
        meanGradient: UnsafeMutableBufferPointer<Float>, logStdGradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        let dims = logStd.count
        let batch = means.count / dims
        let scale = 1 / Float(batch)
        var loss: Float = 0
        for row in 0..<batch {
            for dim in 0..<dims {
                let index = row * dims + dim
                let inverseVariance = exp(-2 * logStd[dim])
                let difference = actions[index] - means[index]
                let squared = difference * difference * inverseVariance
                loss += 0.5 * squared + logStd[dim] + halfLogTwoPi
                meanGradient[index] += -difference * inverseVariance * scale
                logStdGradient[dim] += (1 - squared) * scale
            }
        }
        return loss * scale
    }

    /// log-probability of one row's action.
    public static func logProbability(means: UnsafeBufferPointer<Float>, row: Int, logStd: UnsafeBufferPointer<Float>, action: UnsafeBufferPointer<Float>) -> Float {
        var total: Float = 0
        for dim in 0..<logStd.count {
            let difference = (action[dim] - means[row * logStd.count + dim]) * exp(-logStd[dim])
            total -= 0.5 * difference * difference + logStd[dim] + halfLogTwoPi
        }
        return total
    }

    /// Entropy of the distribution (the same for every state).
    public static func entropy(logStd: UnsafeBufferPointer<Float>) -> Float {
        logStd.reduce(0) { $0 + $1 + halfLogTwoPi + 0.5 }
    }

    /// Draws one row's action into `action`.
    public static func sample(means: UnsafeBufferPointer<Float>, row: Int, logStd: UnsafeBufferPointer<Float>, random: inout RandomSource, into action: UnsafeMutableBufferPointer<Float>) {
        for dim in 0..<logStd.count {
            action[dim] = means[row * logStd.count + dim] + exp(logStd[dim]) * random.nextGaussian()
        }
    }
}
