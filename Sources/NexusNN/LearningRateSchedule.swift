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
