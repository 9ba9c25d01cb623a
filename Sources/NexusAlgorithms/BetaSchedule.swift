/// DAgger's β: the probability that the expert, not the learner, acts at iteration i.
public enum BetaSchedule: Sendable, Equatable {
    /// β_i = start · decay^i.
    case exponential(start: Double, decay: Double)
    /// From `start` down to 0 over `iterations`, then 0.
    case linear(start: Double, iterations: Int)
    case constant(Double)

    public func beta(iteration: Int) -> Double {
        switch self {
        case .exponential(let start, let decay): return start * Foundation.pow(decay, Double(iteration))
        case .linear(let start, let iterations):
            guard iterations > 0 else { return 0 }
            return max(0, start * (1 - Double(iteration) / Double(iterations)))
        case .constant(let value): return value
        }
    }
}

import Foundation
