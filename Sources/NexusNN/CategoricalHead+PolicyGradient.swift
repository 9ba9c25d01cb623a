import Foundation

/// What policy-gradient methods (PPO, GAIL, AIRL) need of a categorical policy: the
/// log-probability of the action taken and the entropy, per row, and the way back from
/// d loss / d log π and d loss / d entropy to d loss / d logits.
extension CategoricalHead {
    /// `chosen` holds one action index per row (as floats, the way actions travel).
    public static func logProbabilityAndEntropy(
        logits: UnsafeBufferPointer<Float>, actions: Int, chosen: UnsafeBufferPointer<Float>,
        logProbabilities: UnsafeMutableBufferPointer<Float>, entropies: UnsafeMutableBufferPointer<Float>
    ) {
        let rows = chosen.count
        var logSoftmaxRow = [Float](repeating: 0, count: actions)
        for row in 0..<rows {
            let start = row * actions
            logSoftmaxRow.withUnsafeMutableBufferPointer { logSoftmax(UnsafeBufferPointer(rebasing: logits[start..<(start + actions)]), actions: actions, into: $0) }
            var entropy: Float = 0
            for column in 0..<actions { entropy -= exp(logSoftmaxRow[column]) * logSoftmaxRow[column] }
            logProbabilities[row] = logSoftmaxRow[Int(chosen[row])]
            entropies[row] = entropy
        }
    }

    /// d loss / d logits from d loss / d log π(chosen) and d loss / d entropy, per row:
    /// d log π_a / d z_j = δ_aj − p_j and d H / d z_j = −p_j (log p_j + H).
    public static func backwardLogProbabilityAndEntropy(
        logits: UnsafeBufferPointer<Float>, actions: Int, chosen: UnsafeBufferPointer<Float>,
        logProbabilityGradient: UnsafeBufferPointer<Float>, entropyGradient: UnsafeBufferPointer<Float>,
        into logitGradient: UnsafeMutableBufferPointer<Float>
    ) {
        var logSoftmaxRow = [Float](repeating: 0, count: actions)
        for row in 0..<chosen.count {
            let start = row * actions
            logSoftmaxRow.withUnsafeMutableBufferPointer { logSoftmax(UnsafeBufferPointer(rebasing: logits[start..<(start + actions)]), actions: actions, into: $0) }
            var entropy: Float = 0
            for column in 0..<actions { entropy -= exp(logSoftmaxRow[column]) * logSoftmaxRow[column] }
            let (gLog, gEntropy, action) = (logProbabilityGradient[row], entropyGradient[row], Int(chosen[row]))
            for column in 0..<actions {
                let p = exp(logSoftmaxRow[column])
                let indicator: Float = column == action ? 1 : 0
                logitGradient[start + column] = gLog * (indicator - p) - gEntropy * p * (logSoftmaxRow[column] + entropy)
            }
        }
    }
}
