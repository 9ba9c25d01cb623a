import NexusEnvironments
import NexusPolicies
import Synchronization

/// A trained policy serving as the expert (`expert.policy: FILE`): acts deterministically.
/// The classic pipeline — train an expert with PPO, record demonstrations with it, imitate it
/// with BC or DAgger — runs on any environment this way, not only those with a built-in expert.
public final class PolicyExpert: Expert {
    public let name: String
    /// Only touched while `lock` is held (a network keeps per-batch buffers, so two callers
    /// must not share it at once).
    private nonisolated(unsafe) let policy: PolicyNetwork
    private let lock = Mutex(())

    public init(policy: sending PolicyNetwork, name: String) {
        self.policy = policy
        self.name = name
    }

    public func act(_ observation: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        lock.withLock { _ in policy.act(observation, into: action) }
    }

    /// A whole batch in one forward pass (the expert server labels batches).
    public func act(batch observations: [Float], rows: Int, actionDim: Int) -> [Float] {
        guard rows > 0 else { return [] }
        var actions = [Float](repeating: 0, count: rows * actionDim)
        lock.withLock { _ in
            observations.withUnsafeBufferPointer { o in actions.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: rows, into: $0) } }
        }
        return actions
    }
}

/// The expert of a run: a policy file when one is named, else the environment's built-in one.
public enum ExpertSource {
    public static func make(envID: String, policyFile: String?, arguments: EnvironmentArguments = .none, imperfection: String = "", seed: UInt64 = 0) throws -> any Expert {
        try make(spec: try EnvironmentRegistry.type(for: envID).spec, policyFile: policyFile, arguments: arguments, imperfection: imperfection, seed: seed)
    }

    /// The same for an environment known by its spec (a `gym:` one has no built-in expert).
    public static func make(spec: EnvironmentSpec, policyFile: String?, arguments: EnvironmentArguments = .none, imperfection: String = "", seed: UInt64 = 0) throws -> any Expert {
        let envID = spec.id
        let flaw = try Imperfection.parse(imperfection, for: spec)
        let expert: any Expert
        if let policyFile, !policyFile.isEmpty {
            expert = PolicyExpert(policy: try PolicyFile.load(policyFile, for: spec), name: "policy \(policyFile)")
        } else {
            guard !GymEnvironmentID.isGym(envID) else {
                throw EnvironmentError("\(envID) has no built-in expert: give a Python one (--expert-python MODULE:CALLABLE or sb3:PATH.zip) or a checkpoint (--expert-policy)")
            }
            expert = try Experts.for(envID, arguments: arguments)
        }
        return flaw.isPerfect ? expert : ImperfectExpert(base: expert, imperfection: flaw, actionSpace: spec.actionSpace, seed: seed)
    }
}
