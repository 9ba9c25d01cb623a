import Foundation
import NexusWire

/// How often episodes end, in the expert's transitions and in every transition the policy has
/// produced so far, and the reward of the absorbing state they imply.
///
/// The absorbing state is one discrete state, so the optimal discriminator's value there is a
/// ratio of frequencies, D* = f_E / (f_E + f_π) (Goodfellow et al., 2014, the optimal
/// discriminator), with f the share of each side's transitions that are absorbing. Training
/// uses the reward of D* instead of the network's value: the network learns that one input
/// from the few rows where episodes end, and it lagged. While it did, the rewards of the
/// policy's states fell as the discriminator separated them and ending (γ/(1 − γ) × the
/// absorbing reward) paid more than living: Hopper-v5 GAIL, warm-started near the expert,
/// spent 500k of 1M env steps falling at once. The policy's share counts every transition of
/// the run, not one update's, so a few updates without a fall do not swing D* to "expert".
public struct AbsorbingFrequencies: Sendable, Equatable {
    /// D* is kept within [limit, 1 − limit]: AIRL's reward (the logit) is infinite at 0 and 1.
    public static let limit: Float = 1e-4

    public let expertShare: Double
    public private(set) var policyTransitions: Double = 0
    public private(set) var policyAbsorbing: Double = 0

    public init(expertAbsorbing: Int, expertTransitions: Int) {
        expertShare = expertTransitions > 0 ? Double(expertAbsorbing) / Double(expertTransitions) : 0
    }

    public mutating func record(absorbing: Int, transitions: Int) {
        policyAbsorbing += Double(absorbing)
        policyTransitions += Double(transitions)
    }

    /// D* at the absorbing state; nil while neither side has ended an episode (it is then
    /// never used).
    public var optimalDiscriminator: Float? {
        let policyShare = policyTransitions > 0 ? policyAbsorbing / policyTransitions : 0
        guard expertShare + policyShare > 0 else { return nil }
        return min(1 - Self.limit, max(Self.limit, Float(expertShare / (expertShare + policyShare))))
    }

    /// The reward of staying in the absorbing state one step at D*: GAIL's −log(1 − D),
    /// AIRL's log D − log(1 − D) (its log π term is 0 there); nil as `optimalDiscriminator`.
    public func reward(_ method: AdversarialSettings.Method) -> Float? {
        guard let d = optimalDiscriminator else { return nil }
        switch method {
        case .gail: return -log1p(-d)
        case .airl: return log(d) - log1p(-d)
        }
    }

    /// For checkpoints: the policy's counts, each as a high and a low part below 2²⁴ (a Float
    /// holds whole numbers exactly only that far).
    public var state: [Float] { [policyTransitions, policyAbsorbing].flatMap(Self.split) }

    /// Throws unless `state` is four whole, non-negative parts.
    public mutating func restore(_ state: [Float]) throws {
        guard state.count == 4, state.allSatisfy({ $0.isFinite && $0 >= 0 && $0 == $0.rounded() && $0 < Self.part }) else {
            throw WireError.invalidField("checkpoint.state.absorbing_counts", reason: "not four whole counts below 2^24")
        }
        policyTransitions = Double(state[0]) * Double(Self.part) + Double(state[1])
        policyAbsorbing = Double(state[2]) * Double(Self.part) + Double(state[3])
    }

    static let part: Float = 16_777_216

    static func split(_ count: Double) -> [Float] {
        let high = (count / Double(part)).rounded(.down)
        return [Float(high), Float(count - high * Double(part))]
    }
}
