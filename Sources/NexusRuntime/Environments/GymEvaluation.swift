import NexusEnvironments
import NexusPolicies
import NexusWire

/// Deterministic evaluation of a policy on a `gym:` environment: one copy per episode,
/// stepped side by side by one server (as `PolicyEvaluation` does for Nexus's own
/// environments), copy i reset from `seed + i`; each copy's first episode counts.
public enum GymEvaluation {
    /// Episodes without a time limit are cut after this many steps.
    public static let stepLimitWithoutTimeLimit = 10_000

    public static func run(
        _ policy: PolicyNetwork, server: EnvironmentServer, spec: EnvironmentSpec, seed: UInt64, progress: @Sendable () -> Void = {},
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> EvaluationSummary {
        let copies = server.settings.copies
        let (dim, actionDim) = (spec.observationDim, spec.actionSpace.dimension)
        var observations = try await server.reset(seed: seed, observationDim: dim).observations.data
        var returns = [Double](repeating: 0, count: copies)
        var lengths = [Int](repeating: 0, count: copies)
        var done = [Bool](repeating: false, count: copies)
        var actions = [Float](repeating: 0, count: copies * actionDim)
        let limit = spec.maxEpisodeSteps > 0 ? spec.maxEpisodeSteps : stepLimitWithoutTimeLimit
        var steps = 0
        var reported = ContinuousClock.now
        while done.contains(false), steps < limit {
            if ContinuousClock.now - reported > .milliseconds(500) {
                progress()
                reported = .now
            }
            observations.withUnsafeBufferPointer { o in actions.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: copies, into: $0) } }
            let stepped = try await server.step(Tensor(rows: copies, columns: actionDim, data: actions), observationDim: dim)
            steps += 1
            for index in 0..<copies where !done[index] {
                returns[index] += stepped.rewards[index]
                lengths[index] += 1
                done[index] = stepped.terminated[index] || stepped.truncated[index]
            }
            observations = stepped.observations.data
        }
        return EvaluationSummary(returns: returns, lengths: lengths)
    }
}
