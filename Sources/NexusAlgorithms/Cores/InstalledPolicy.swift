import NexusEnvironments
import NexusErrors
import NexusPolicies
import NexusWire

/// Weights a worker's policy, plan or gate cannot be built from (`InstalledPolicy`).
public typealias InstallError = DescribedError<InstallProblem>
public enum InstallProblem {}

/// What a worker acts with, built from one weights message: the policy, the rollout plan and
/// the query gate, checked against the environment — the policy's inputs, outputs and head
/// must fit its spaces (a Gaussian head wider than the action would write past the action
/// buffer). The cluster's workers and the in-process runner build it the same way.
public struct InstalledPolicy {
    public let policy: PolicyNetwork
    public let plan: RolloutPlan
    public let gate: QueryGate?

    public init(_ weights: Weights, spec: EnvironmentSpec) throws {
        guard let model = weights.models.first(where: { $0.kind == .policy }) else { throw InstallError("weights \(weights.version) hold no policy") }
        plan = try RolloutPlan(weights: weights)
        // A fresh network each version (small beside a rollout): a load that fails half-way
        // must not leave the policy in use half-updated.
        policy = try PolicyNetwork(model: model)
        guard policy.fits(spec) else {
            throw InstallError("policy \(policy.architecture) does not fit \(spec.id) (\(spec.observationDim) observations, \(spec.actionSpace.policyOutputs) outputs)")
        }
        gate = try QueryGate.make(plan: plan, models: weights.models, spec: spec)
    }
}
