import Foundation

/// A categorical distribution over `actions` choices from logits `[batch, actions]`.
/// Pure functions of their inputs; the gradient functions write d loss / d logits.
public enum CategoricalHead {
    /// log softmax of each row, written into `logProbabilities`.
    public static func logSoftmax(_ logits: UnsafeBufferPointer<Float>, actions: Int, into logProbabilities: UnsafeMutableBufferPointer<Float>) {
        for row in 0..<(logits.count / actions) {
            let start = row * actions
            var maximum = -Float.infinity
            for column in 0..<actions { maximum = max(maximum, logits[start + column]) }
            var sum: Float = 0
            for column in 0..<actions { sum += exp(logits[start + column] - maximum) }
            let logNormaliser = maximum + log(sum)
            for column in 0..<actions { logProbabilities[start + column] = logits[start + column] - logNormaliser }
        }
    }

    /// Mean cross-entropy of `labels` under the logits, and its gradient (divided by the
    /// batch size) written into `gradient`.
    @discardableResult
    public static func crossEntropy(
        logits: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<Int32>, actions: Int,
        gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        let batch = labels.count
        logSoftmax(logits, actions: actions, into: gradient)
        var loss: Float = 0
        let scale = 1 / Float(batch)
        for row in 0..<batch {
            let start = row * actions
            let label = Int(labels[row])
            precondition(label >= 0 && label < actions, "label \(label) is not an action below \(actions)")
            loss -= gradient[start + label]
            for column in 0..<actions { gradient[start + column] = exp(gradient[start + column]) * scale }
            gradient[start + label] -= scale
        }
        return loss * scale
    }

    /// Mean entropy of the rows.
    public static func entropy(logits: UnsafeBufferPointer<Float>, actions: Int) -> Float {
        var logProbabilities = [Float](repeating: 0, count: logits.count)
        logProbabilities.withUnsafeMutableBufferPointer { logSoftmax(logits, actions: actions, into: $0) }
        var total: Float = 0
        for value in logProbabilities { total -= exp(value) * value }
        return total / Float(logits.count / actions)
    }

    /// The most likely action of one row (deterministic evaluation).
    public static func mode(_ logits: UnsafeBufferPointer<Float>, row: Int, actions: Int) -> Int {
        var best = 0
        for column in 1..<actions where logits[row * actions + column] > logits[row * actions + best] { best = column }
        return best
    }

    /// Draws an action for one row; returns it with its log-probability.
    public static func sample(_ logits: UnsafeBufferPointer<Float>, row: Int, actions: Int, random: inout RandomSource) -> (action: Int, logProbability: Float) {
        let start = row * actions
        var maximum = -Float.infinity
        for column in 0..<actions { maximum = max(maximum, logits[start + column]) }
        var sum: Float = 0
        for column in 0..<actions { sum += exp(logits[start + column] - maximum) }
        var threshold = random.nextUnitFloat() * sum
        var chosen = actions - 1
        for column in 0..<actions {
            threshold -= exp(logits[start + column] - maximum)
            if threshold < 0 {
                chosen = column
                break
            }
        }
        return (chosen, logits[start + chosen] - maximum - log(sum))
    }
}
