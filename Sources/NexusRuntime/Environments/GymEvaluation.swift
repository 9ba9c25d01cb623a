import NexusDemonstrations
import NexusEnvironments
import NexusPolicies

/// Deterministic evaluation of a policy on a `gym:` environment: one copy per episode,
/// stepped side by side by one server (as `PolicyEvaluation` does for Nexus's own
/// environments), copy i reset from `seed + i`; each copy's first episode counts. A failed
/// step is thrown (the evaluator restarts the server and tries other seeds); a failed first
/// reset is recovered from, and counted in `recovered`.
public enum GymEvaluation {
    public static func run(
        _ policy: PolicyNetwork, server: EnvironmentServer, spec: EnvironmentSpec, seed: UInt64, progress: @Sendable () -> Void = {}
    ) async throws -> (summary: EvaluationSummary, recovered: Int) {
        let actionDim = spec.actionSpace.dimension
        var vector = try await PythonVectorEnvironment.start(server: server, spec: spec, seed: seed)
        var reported = ContinuousClock.now
        let outcome = try await BatchedEpisodes.run(
            &vector, episodes: server.settings.copies, keepSteps: false, failuresAllowed: 0,
            act: { observations, rows in
                var actions = [Float](repeating: 0, count: rows * actionDim)
                observations.withUnsafeBufferPointer { o in actions.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: rows, into: $0) } }
                return actions
            },
            progress: { _ in
                if ContinuousClock.now - reported > .milliseconds(500) {
                    progress()
                    reported = .now
                }
            })
        return (outcome.summary, vector.failures)
    }
}
