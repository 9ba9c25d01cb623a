import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire

/// MEGA-DAgger's per-row gate, as a worker runs it: the world-model ensemble and the policy
/// from the weights, the threshold and horizon from the rollout plan. For each row it gives
/// the ensemble's disagreement on (s, π(s)) — the uncertainty recorded in segments — and
/// whether an imagined rollout of `horizon` steps under the policy (the ensemble's mean
/// prediction, the policy acting deterministically on each predicted state) enters the
/// environment's unsafe region.
public final class QueryGate {
    public let threshold: Float
    public let horizon: Int
    public let ensemble: WorldModelEnsemble
    /// Per observation dimension: a predicted state is unsafe when it, or it moved by this much
    /// along any one dimension, is (empty: the state alone). The model's own error, so that a
    /// prediction just short of the unsafe region is not trusted.
    public let margin: [Float]
    /// A learned fall-risk critic and the probability at which it fires (nil: none): falls
    /// that develop faster than the world model's imagined paths can follow.
    public let risk: (critic: FallRiskNetwork, threshold: Float)?

    public init(threshold: Float, horizon: Int, ensemble: WorldModelEnsemble, margin: [Float] = [], risk: (critic: FallRiskNetwork, threshold: Float)? = nil) {
        precondition(threshold >= 0 && (0...RolloutPlan.maxGateHorizon).contains(horizon), "gate threshold must be ≥ 0, horizon 0…\(RolloutPlan.maxGateHorizon)")
        precondition(margin.isEmpty || margin.count == ensemble.observationDim, "a margin has one value per observation dimension")
        self.threshold = threshold
        self.horizon = horizon
        self.ensemble = ensemble
        self.margin = margin
        self.risk = risk
    }

    /// The gate of a plan whose rule is `.gate`, with the world model of the same weights.
    public convenience init(plan: RolloutPlan, ensemble: WorldModelEnsemble, riskCritic: FallRiskNetwork? = nil) {
        var risk: (critic: FallRiskNetwork, threshold: Float)?
        if let riskCritic, let threshold = plan.gateRiskThreshold { risk = (riskCritic, threshold) }
        self.init(threshold: plan.gateThreshold ?? .infinity, horizon: plan.gateHorizon, ensemble: ensemble, margin: plan.gateMargin, risk: risk)
    }

    /// The gate a plan asks for, built from the world model among `models` (nil when the plan
    /// has no gate); a gated plan without a world model that fits the environment is refused.
    public static func make(plan: RolloutPlan, models: [Model], spec: EnvironmentSpec) throws -> QueryGate? {
        guard plan.queryRule == .gate else { return nil }
        guard let model = models.first(where: { $0.kind == .worldModel }) else {
            throw PolicyError(description: "the rollout plan gates on a world model, and the weights hold none")
        }
        let ensemble = try WorldModelEnsemble.make(model: model, observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension)
        guard plan.gateMargin.isEmpty || plan.gateMargin.count == spec.observationDim else {
            throw PolicyError(description: "the gate's margin has \(plan.gateMargin.count) values, \(spec.id) observations \(spec.observationDim)")
        }
        var critic: FallRiskNetwork?
        if plan.gateRiskThreshold != nil {
            guard let model = models.first(where: { $0.kind == .value && $0.name == FallRiskNetwork.modelName }) else {
                throw PolicyError(description: "the rollout plan gates on a fall-risk critic, and the weights hold none")
            }
            critic = try FallRiskNetwork.make(model: model, observationDim: spec.observationDim)
        }
        return QueryGate(plan: plan, ensemble: ensemble, riskCritic: critic)
    }

    /// Whether each row's one-step prediction under `actions` is unsafe for any member: how an
    /// expert's label is judged before it is believed.
    public func predictsUnsafe(
        observations: UnsafeBufferPointer<Float>, actions: UnsafeBufferPointer<Float>, rows: Int, isUnsafe: (UnsafeBufferPointer<Float>) -> Bool
    ) -> [Bool] {
        var unsafe = [Bool](repeating: false, count: rows)
        withoutActuallyEscaping(isUnsafe) { isUnsafe in
            _ = ensemble.predict(observations: observations, actions: actions, batch: rows) { self.mark(&unsafe, unsafeIn: $0, isUnsafe: isUnsafe) }
        }
        return unsafe
    }

    /// Marks the rows of `predicted` (`[rows, observationDim]`) that are unsafe, or within the
    /// margin of it along one dimension; marked rows stay so.
    private func mark(_ unsafe: inout [Bool], unsafeIn predicted: UnsafeBufferPointer<Float>, isUnsafe: (UnsafeBufferPointer<Float>) -> Bool) {
        let dim = ensemble.observationDim
        for row in unsafe.indices where !unsafe[row] {
            let state = predicted[(row * dim)..<((row + 1) * dim)]
            unsafe[row] = isUnsafe(UnsafeBufferPointer(rebasing: state))
            guard !unsafe[row], !margin.isEmpty else { continue }
            // The neighbours one margin away along each dimension, one at a time.
            var moved = Array(state)
            for column in margin.indices where margin[column] > 0 && !unsafe[row] {
                for offset in [-margin[column], margin[column]] where !unsafe[row] {
                    moved[column] = state[state.startIndex + column] + offset
                    unsafe[row] = moved.withUnsafeBufferPointer(isUnsafe)
                }
                moved[column] = state[state.startIndex + column]
            }
        }
    }

    public struct Decision: Equatable, Sendable {
        public var disagreement: [Float]
        /// The lookahead predicted an unsafe state: the expert should act here.
        public var unsafeAhead: [Bool]
        /// Rows to label: disagreement ≥ τ or unsafe ahead.
        public var fires: [Bool]
    }

    /// Judges `rows` states (`[rows, observationDim]`) with the policy's proposed actions
    /// (`[rows, actionDim]`); `isUnsafe` is the environment's predicate on an observation. The
    /// lookahead is pessimistic: a row is unsafe ahead when any member's prediction of any
    /// imagined step is unsafe (the path itself follows the members' mean).
    public func decide(
        observations: UnsafeBufferPointer<Float>, actions: UnsafeBufferPointer<Float>, rows: Int, policy: PolicyNetwork,
        isUnsafe: (UnsafeBufferPointer<Float>) -> Bool
    ) -> Decision {
        // The predicate is called only during this function, through the member callback.
        withoutActuallyEscaping(isUnsafe) { lookahead(observations: observations, actions: actions, rows: rows, policy: policy, isUnsafe: $0) }
    }

    private func lookahead(
        observations: UnsafeBufferPointer<Float>, actions: UnsafeBufferPointer<Float>, rows: Int, policy: PolicyNetwork,
        isUnsafe: @escaping (UnsafeBufferPointer<Float>) -> Bool
    ) -> Decision {
        var unsafeAhead = [Bool](repeating: false, count: rows)
        if let risk {
            let probabilities = risk.critic.probabilities(observations, rows: rows)
            for row in 0..<rows where probabilities[row] >= risk.threshold { unsafeAhead[row] = true }
        }
        func judge(_ predicted: UnsafeBufferPointer<Float>) { mark(&unsafeAhead, unsafeIn: predicted, isUnsafe: isUnsafe) }
        let first = ensemble.predict(observations: observations, actions: actions, batch: rows, eachMember: horizon > 0 ? judge : nil)
        var states = first.nextObservations
        var proposed = [Float](repeating: 0, count: rows * ensemble.actionDim)
        for _ in 1..<max(1, horizon) where !unsafeAhead.allSatisfy({ $0 }) {
            states.withUnsafeBufferPointer { s in proposed.withUnsafeMutableBufferPointer { policy.act(batch: s, rows: rows, into: $0) } }
            states = states.withUnsafeBufferPointer { s in
                proposed.withUnsafeBufferPointer { ensemble.predict(observations: s, actions: $0, batch: rows, eachMember: judge).nextObservations }
            }
        }
        return decision(disagreement: first.disagreement, unsafeAhead: unsafeAhead)
    }

    /// `decision` with the safety firings of the rows `letGo` marks dropped (`UnsafeStay`): those
    /// rows fire on their disagreement alone.
    public func decision(_ decision: Decision, lettingGoOf letGo: [Bool]) -> Decision {
        self.decision(disagreement: decision.disagreement, unsafeAhead: zip(decision.unsafeAhead, letGo).map { $0 && !$1 })
    }

    private func decision(disagreement: [Float], unsafeAhead: [Bool]) -> Decision {
        Decision(disagreement: disagreement, unsafeAhead: unsafeAhead, fires: zip(disagreement, unsafeAhead).map { $0 >= threshold || $1 })
    }
}
