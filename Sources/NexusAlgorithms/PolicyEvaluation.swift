import NexusEnvironments
import NexusPolicies

/// Deterministic evaluation of a policy on whole episodes (no expert involved).
public enum PolicyEvaluation {
    public static func run(_ policy: PolicyNetwork, envID: String, episodes: Int, seed: UInt64) throws -> EvaluationSummary {
        func open<E: Environment>(_ type: E.Type) -> EvaluationSummary {
            Evaluation.run(type, episodes: episodes, seed: seed) { policy.act($0, into: $1) }
        }
        return open(try EnvironmentRegistry.type(for: envID))
    }
}
