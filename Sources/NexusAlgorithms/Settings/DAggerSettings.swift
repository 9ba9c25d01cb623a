import Foundation

/// DAgger's mixing of expert and policy (Ross et al., 2011: π_i = β_i π* + (1 − β_i) π̂_i):
/// the run configuration's `dagger` section.
public struct DAggerSettings: Codable, Sendable, Equatable {
    /// How β falls from `betaStart`: by `betaDecay` each iteration, linearly to 0 over
    /// `betaIterations`, or not at all.
    public enum BetaShape: String, Codable, Sendable, CaseIterable { case exponential, linear, constant }

    public var betaSchedule = BetaShape.exponential
    public var betaStart = 1.0
    public var betaDecay = 0.95
    /// linear: iterations from `betaStart` down to 0.
    public var betaIterations = 20
    /// The first iteration: the expert drives this many copies per worker (whole episodes)
    /// and the others sit it out (an untrained policy would drive them unwatched); 0: every copy.
    public var firstExpertCopies = 0

    public init() {}

    /// β_i, the probability that the expert acts at iteration `iteration`.
    public func beta(iteration: Int) -> Double { beta(after: Double(iteration)) }

    /// β after `iterations` of the schedule's clock, which may be fractional (MEGA-DAgger
    /// counts episodes' worth of env steps).
    public func beta(after iterations: Double) -> Double {
        switch betaSchedule {
        case .exponential: return betaStart * Foundation.pow(betaDecay, iterations)
        case .linear:
            guard betaIterations > 0 else { return 0 }
            return max(0, betaStart * (1 - iterations / Double(betaIterations)))
        case .constant: return betaStart
        }
    }
}
