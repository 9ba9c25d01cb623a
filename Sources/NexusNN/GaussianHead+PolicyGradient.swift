import Foundation

/// What policy-gradient methods need of a diagonal Gaussian policy with state-independent
/// log standard deviations: log π(a|s) and entropy per row, and their gradients with respect
/// to the means and to `logStd`.
extension GaussianHead {
    public static func logProbabilityAndEntropy(
        means: UnsafeBufferPointer<Float>, logStd: UnsafeBufferPointer<Float>, chosen: UnsafeBufferPointer<Float>,
        logProbabilities: UnsafeMutableBufferPointer<Float>, entropies: UnsafeMutableBufferPointer<Float>
    ) {
        let entropy = self.entropy(logStd: logStd)
        for row in 0..<(means.count / logStd.count) {
            let dims = logStd.count
            logProbabilities[row] = logProbability(
                means: means, row: row, logStd: logStd, action: UnsafeBufferPointer(rebasing: chosen[(row * dims)..<((row + 1) * dims)]))
            entropies[row] = entropy
        }
    }

    /// Writes d loss / d means and *adds* d loss / d logStd, with u = (a − μ)/σ:
    /// d log π / d μ = u/σ, d log π / d log σ = u² − 1, d H / d log σ = 1.
    public static func backwardLogProbabilityAndEntropy(
        means: UnsafeBufferPointer<Float>, logStd: UnsafeBufferPointer<Float>, chosen: UnsafeBufferPointer<Float>,
        logProbabilityGradient: UnsafeBufferPointer<Float>, entropyGradient: UnsafeBufferPointer<Float>,
        meanGradient: UnsafeMutableBufferPointer<Float>, logStdGradient: UnsafeMutableBufferPointer<Float>
    ) {
        let dims = logStd.count
        for row in 0..<(means.count / dims) {
            for dim in 0..<dims {
                let index = row * dims + dim
                let inverseStd = exp(-logStd[dim])
                let u = (chosen[index] - means[index]) * inverseStd
                meanGradient[index] = logProbabilityGradient[row] * u * inverseStd
                logStdGradient[dim] += logProbabilityGradient[row] * (u * u - 1) + entropyGradient[row]
            }
        }
    }
}
