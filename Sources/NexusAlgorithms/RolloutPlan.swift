import NexusPolicies
import NexusWire

/// What a worker does each step, decided by the algorithm and shipped with the weights (as a
/// `.rolloutPlan` model, so it is versioned and checksummed with the policy it goes with).
/// A step has phases: the policy proposes (deterministically, or sampled with
/// log-probabilities); the plan picks, per row, whether the expert's action is executed (with
/// probability β) and which rows the expert must label (the query rule); only those rows are
/// sent to the expert; then the environments step. A worker needs no algorithm code.
///
/// On the wire (`proto/nexus/v1/weights.proto`, "rollout-plan v2"): scalar tensors
/// `acting_mode`, `expert_action_probability`, `query_rule`; any further named tensors (gate
/// thresholds of later algorithms) travel in `extras` untouched. Version 1 plans (from older
/// checkpoints) are read as deterministic with rule `all` or `none`.
public struct RolloutPlan: Sendable, Equatable {
    /// Which rows' states go to the expert for a label (rows whose action the expert executes
    /// are always asked for that action).
    public enum QueryRule: Int, Sendable, CaseIterable {
        /// No labels (GAIL, AIRL, PPO).
        case none = 0
        /// Every visited state (DAgger).
        case all = 1
        /// Only the rows where the expert acts (β-mixture data, HG-DAgger style).
        case expertActing = 2
        /// The rows whose gate fires (MEGA-DAgger): the world model's disagreement on
        /// (s, π(s)) at least `gate_threshold`, or an imagined `gate_horizon`-step rollout
        /// under the policy that enters the unsafe region — where the expert's action is then
        /// executed (the safety fallback). With `gate_takeover_steps` > 0 the expert also takes
        /// over where disagreement fires, for that many steps of that copy (an intervention, as
        /// in EnsembleDAgger and ThriftyDAgger). A safety firing holds the copy for
        /// `gate_safety_takeover_steps` instead (absent: `gate_takeover_steps`), whatever the
        /// other is. With `gate_intervention_rate`, only the firings
        /// the worker's `InterventionBudget` admits are acted on (safety firings always are).
        /// Needs a world model in the same weights.
        case gate = 3
    }

    /// The gate's parameters, carried in `extras`.
    public static let gateThresholdName = "gate_threshold"
    public static let gateHorizonName = "gate_horizon"
    public static let gateTakeoverName = "gate_takeover_steps"
    public static let gateSafetyTakeoverName = "gate_safety_takeover_steps"
    public static let gateMarginName = "gate_margin"
    public static let gateInterventionRateName = "gate_intervention_rate"
    public static let expertCopiesName = "expert_copies"
    public static let gateRiskThresholdName = "gate_risk_threshold"
    public static let gateUnsafeStayName = "gate_unsafe_stay_steps"
    /// Longest safety lookahead a worker runs.
    public static let maxGateHorizon = 100
    /// Longest intervention a disagreement can start.
    public static let maxTakeoverSteps = 1000

    /// A gated plan (MEGA-DAgger): the policy acts (β = `expertActionProbability`), the gate
    /// decides which rows the expert sees.
    public static func gated(
        threshold: Float, horizon: Int, takeoverSteps: Int = 0, safetyTakeoverSteps: Int? = nil, expertActionProbability: Float = 0, margin: [Float] = [],
        interventionRate: Float? = nil, riskThreshold: Float? = nil, unsafeStaySteps: Int = 0
    ) -> RolloutPlan {
        var extras = [scalar(gateThresholdName, threshold), scalar(gateHorizonName, Float(horizon))]
        // Written only when used: a plan without it reads as 0 (label only), as older plans do.
        if takeoverSteps > 0 { extras.append(scalar(gateTakeoverName, Float(takeoverSteps))) }
        // Without it, safety firings hold the expert as long as disagreement's do (older plans).
        if let safetyTakeoverSteps { extras.append(scalar(gateSafetyTakeoverName, Float(safetyTakeoverSteps))) }
        // Likewise: without it every row that fires is labelled (older plans).
        if let interventionRate { extras.append(scalar(gateInterventionRateName, interventionRate)) }
        if let riskThreshold { extras.append(scalar(gateRiskThresholdName, riskThreshold)) }
        // Without it the safety fallback never lets go (older plans).
        if unsafeStaySteps > 0 { extras.append(scalar(gateUnsafeStayName, Float(unsafeStaySteps))) }
        if !margin.isEmpty { extras.append(NamedTensor(name: gateMarginName, tensor: Tensor(shape: [margin.count], data: margin))) }
        return RolloutPlan(expertActionProbability: expertActionProbability, queryRule: .gate, extras: extras)
    }

    /// A plan where the expert drives (and labels) only each worker's first `copies`
    /// environment copies, for whole episodes; the rest sit out (they do not step, and nothing
    /// of them is recorded). The expert's labels then run deeper into its
    /// episodes than when it drives every copy. A first iteration.
    public static func expertDrivesCopies(_ copies: Int) -> RolloutPlan {
        RolloutPlan(expertActionProbability: 0, queryRule: .expertActing, extras: [scalar(expertCopiesName, Float(copies))])
    }

    private static func scalar(_ name: String, _ value: Float) -> NamedTensor { NamedTensor(name: name, tensor: Tensor(shape: [1], data: [value])) }
    /// The values of the extra tensor `name`, if the plan carries it.
    private func extra(_ name: String) -> [Float]? { extras.first { $0.name == name }?.tensor.data }

    /// Copies per worker the expert always drives (0: none beyond β and the gate).
    public var expertCopies: Int { extra(Self.expertCopiesName)?.first.map { Int($0) } ?? 0 }

    /// τ of a gated plan (∞ queries nothing, 0 everything).
    public var gateThreshold: Float? { extra(Self.gateThresholdName)?.first }
    /// The safety lookahead's steps of a gated plan (0: no lookahead).
    public var gateHorizon: Int { extra(Self.gateHorizonName)?.first.map { Int($0) } ?? 0 }
    /// Per observation dimension, the lookahead's margin around each predicted state (empty: none).
    public var gateMargin: [Float] { extra(Self.gateMarginName) ?? [] }
    /// Of a gated plan: interventions (or, without them, labels) the disagreement may start per
    /// copy and step (`InterventionBudget`); nil: every row that fires.
    public var gateInterventionRate: Float? { extra(Self.gateInterventionRateName)?.first }
    /// Of a gated plan with a fall-risk critic in its weights: the critic's probability of an
    /// unsafe state ahead at which the expert takes over (nil: no critic).
    public var gateRiskThreshold: Float? { extra(Self.gateRiskThresholdName)?.first }
    /// Steps the expert drives a copy once disagreement fired there (0: it only labels).
    public var gateTakeoverSteps: Int { extra(Self.gateTakeoverName)?.first.map { Int($0) } ?? 0 }
    /// Steps the expert drives a copy from a safety firing (the lookahead or the fall-risk
    /// critic), that step included, as `gateTakeoverSteps` counts; 0 and 1: that step alone.
    /// The firing recurs on every step the danger is seen, and each renews the hold.
    public var gateSafetyTakeoverSteps: Int { extra(Self.gateSafetyTakeoverName)?.first.map { Int($0) } ?? gateTakeoverSteps }
    /// Steps in a row a copy's own state may be inside the unsafe region with the safety
    /// fallback still handing it to the expert (`UnsafeStay`); 0: no limit.
    public var gateUnsafeStaySteps: Int { extra(Self.gateUnsafeStayName)?.first.map { Int($0) } ?? 0 }

    public var acting: ActingMode
    /// Probability that the expert's action is the one executed (DAgger's β).
    public var expertActionProbability: Float
    public var queryRule: QueryRule
    /// Parameters this version passes on without interpreting (room for per-row gates).
    public var extras: [NamedTensor]

    public init(acting: ActingMode = .deterministic, expertActionProbability: Float = 0, queryRule: QueryRule = .none, extras: [NamedTensor] = []) {
        self.acting = acting
        self.expertActionProbability = expertActionProbability
        self.queryRule = queryRule
        self.extras = extras
    }

    /// A deterministic plan that labels every state (`queryExpert`) or none.
    public init(expertActionProbability: Float, queryExpert: Bool) {
        self.init(expertActionProbability: expertActionProbability, queryRule: queryExpert ? .all : .none)
    }

    public static let policyOnly = RolloutPlan()
    public static let modelName = "rollout"
    static let architecture = "rollout-plan v2"

    /// Whether a step under this plan may need the expert at all.
    public var needsExpert: Bool { queryRule != .none || expertActionProbability > 0 || expertCopies > 0 }

    public func model() -> Model {
        let scalar = Self.scalar
        return Model(kind: .rolloutPlan, name: Self.modelName, architecture: Self.architecture, parameters: [
            scalar("acting_mode", Float(acting.rawValue)),
            scalar("expert_action_probability", expertActionProbability),
            scalar("query_rule", Float(queryRule.rawValue)),
        ] + extras)
    }

    /// Reads the plan in `weights`; weights without one mean "the policy acts alone".
    public init(weights: Weights) throws {
        guard let model = weights.models.first(where: { $0.kind == .rolloutPlan }) else {
            self = .policyOnly
            return
        }
        func scalar(_ name: String) throws -> Float {
            guard let value = model.parameters.first(where: { $0.name == name })?.tensor.data, value.count == 1 else {
                throw WireError.missingField("weights.rollout.\(name)")
            }
            return value[0]
        }
        func code<T: RawRepresentable<Int>>(_ name: String, as type: T.Type) throws -> T {
            let value = try scalar(name)
            guard let rule = T(rawValue: Int(exactly: value) ?? -1) else {
                throw WireError.invalidField("weights.rollout.\(name)", reason: "\(value) is not a value this version of nexus knows")
            }
            return rule
        }
        let probability = try scalar("expert_action_probability")
        guard (0...1).contains(probability) else {
            throw WireError.invalidField("weights.rollout.expert_action_probability", reason: "\(probability) is not in [0, 1]")
        }
        switch model.architecture {
        case "rollout-plan v1":
            self.init(expertActionProbability: probability, queryExpert: try scalar("query_expert") != 0)
        case Self.architecture:
            let known: Set = ["acting_mode", "expert_action_probability", "query_rule"]
            self.init(
                acting: try code("acting_mode", as: ActingMode.self), expertActionProbability: probability,
                queryRule: try code("query_rule", as: QueryRule.self), extras: model.parameters.filter { !known.contains($0.name) })
            // An optional field, when present, holds one value: a worker never reads `.first` of
            // a malformed one (a NaN or out-of-range rate would stop it at a precondition).
            func optional(_ name: String) throws -> Float? {
                guard let values = model.parameters.first(where: { $0.name == name })?.tensor.data else { return nil }
                guard values.count == 1 else { throw WireError.invalidField("weights.rollout.\(name)", reason: "holds \(values.count) values, not one") }
                return values[0]
            }
            if let copies = try optional(Self.expertCopiesName), Int(exactly: copies).map({ (0...(1 << 20)).contains($0) }) != true {
                throw WireError.invalidField("weights.rollout.\(Self.expertCopiesName)", reason: "\(copies) is not a whole number of environment copies")
            }
            if queryRule == .gate {
                // Checked here, so that a worker never runs a gate it cannot evaluate.
                guard let threshold = try? scalar(Self.gateThresholdName), threshold >= 0, !threshold.isNaN else {
                    throw WireError.invalidField("weights.rollout.\(Self.gateThresholdName)", reason: "a gated plan needs a threshold ≥ 0 (∞ allowed)")
                }
                guard let horizon = try? scalar(Self.gateHorizonName), let steps = Int(exactly: horizon), (0...Self.maxGateHorizon).contains(steps) else {
                    throw WireError.invalidField("weights.rollout.\(Self.gateHorizonName)", reason: "a gated plan needs a whole number of lookahead steps from 0 to \(Self.maxGateHorizon)")
                }
                if let margin = model.parameters.first(where: { $0.name == Self.gateMarginName })?.tensor.data,
                    margin.count > 4096 || !margin.allSatisfy({ $0.isFinite && $0 >= 0 }) {
                    throw WireError.invalidField("weights.rollout.\(Self.gateMarginName)", reason: "a margin needs at most 4096 finite values ≥ 0")
                }
                if let rate = try optional(Self.gateInterventionRateName), !(0...1).contains(rate) {
                    throw WireError.invalidField("weights.rollout.\(Self.gateInterventionRateName)", reason: "\(rate) is not a rate in [0, 1]")
                }
                if let risk = try optional(Self.gateRiskThresholdName), !(risk > 0 && risk <= 1) {
                    throw WireError.invalidField("weights.rollout.\(Self.gateRiskThresholdName)", reason: "\(risk) is not a probability in (0, 1]")
                }
                for name in [Self.gateTakeoverName, Self.gateSafetyTakeoverName, Self.gateUnsafeStayName] {
                    guard let takeover = try optional(name) else { continue }
                    guard let steps = Int(exactly: takeover), (0...Self.maxTakeoverSteps).contains(steps) else {
                        throw WireError.invalidField("weights.rollout.\(name)", reason: "\(takeover) is not a whole number of steps from 0 to \(Self.maxTakeoverSteps)")
                    }
                }
            }
        default:
            throw WireError.invalidField("weights.rollout", reason: "plan \"\(model.architecture)\" is not one this version of nexus reads (rollout-plan v1 or v2)")
        }
    }
}
