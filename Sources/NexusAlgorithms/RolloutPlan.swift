import NexusWire

/// What a worker does each step, decided by the algorithm and shipped with the weights (as a
/// `.rolloutPlan` model, so it is versioned and checksummed with the policy it goes with).
/// DAgger: the expert acts with probability β and labels every step; GAIL: the policy acts and
/// nobody asks the expert. A worker needs no algorithm-specific code.
public struct RolloutPlan: Sendable, Equatable {
    /// Probability that the expert's action is the one executed (DAgger's β).
    public var expertActionProbability: Float
    /// Whether every visited state is sent to the expert for a label.
    public var queryExpert: Bool

    public init(expertActionProbability: Float, queryExpert: Bool) {
        self.expertActionProbability = expertActionProbability
        self.queryExpert = queryExpert
    }

    public static let policyOnly = RolloutPlan(expertActionProbability: 0, queryExpert: false)

    public static let modelName = "rollout"

    public func model() -> Model {
        Model(kind: .rolloutPlan, name: Self.modelName, architecture: "rollout-plan v1", parameters: [
            NamedTensor(name: "expert_action_probability", tensor: Tensor(shape: [1], data: [expertActionProbability])),
            NamedTensor(name: "query_expert", tensor: Tensor(shape: [1], data: [queryExpert ? 1 : 0])),
        ])
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
        let probability = try scalar("expert_action_probability")
        guard (0...1).contains(probability) else {
            throw WireError.invalidField("weights.rollout.expert_action_probability", reason: "\(probability) is not in [0, 1]")
        }
        self.init(expertActionProbability: probability, queryExpert: try scalar("query_expert") != 0)
    }
}
