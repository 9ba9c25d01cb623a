/// Regression loss for value functions and world models.
public enum Losses {
    /// Mean over the batch of the squared error summed over outputs, ½·Σ(p − t)², with its
    /// gradient (divided by the batch size) written into `gradient`.
    @discardableResult
    public static func meanSquaredError(
        predictions: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>, batch: Int,
        gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        precondition(predictions.count == targets.count && gradient.count == targets.count, "mean squared error: sizes differ")
        let scale = 1 / Float(batch)
        var loss: Float = 0
        for index in predictions.indices {
            let difference = predictions[index] - targets[index]
            loss += 0.5 * difference * difference
            gradient[index] = difference * scale
        }
        return loss * scale
    }
}

/// How the learning rate moves with the optimiser step.
public enum LearningRateSchedule: Sendable, Equatable {
    case constant(Float)
    /// From `initial` to `final` over `steps`, then `final`.
    case linear(initial: Float, final: Float, steps: Int)
    /// `initial · decay^step`, never below `minimum`.
    case exponential(initial: Float, decay: Float, minimum: Float)

    public func rate(atStep step: Int) -> Float {
        switch self {
        case .constant(let rate):
            return rate
        case .linear(let initial, let final, let steps):
            let progress = steps > 0 ? min(1, Float(step) / Float(steps)) : 1
            return initial + (final - initial) * progress
        case .exponential(let initial, let decay, let minimum):
            var rate = initial
            var remaining = step
            var factor = decay
            while remaining > 0 {  // exponentiation by squaring: exact for integer steps
                if remaining & 1 == 1 { rate *= factor }
                factor *= factor
                remaining >>= 1
            }
            return max(rate, minimum)
        }
    }
}
