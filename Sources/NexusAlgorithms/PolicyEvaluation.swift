import NexusEnvironments
import NexusPolicies
import NexusRandom

/// Deterministic evaluation of a policy on whole episodes (no expert involved). All episodes
/// run side by side, so each step is one batched forward pass instead of one per episode: the
/// learner evaluates after every iteration, and one-row passes made that cost more than PPO's
/// update. Resets draw from `seed` in episode order, exactly as one-after-another episodes do.
public enum PolicyEvaluation {
    public static func run(
        _ policy: PolicyNetwork, envID: String, episodes: Int, seed: UInt64, arguments: EnvironmentArguments = .none
    ) throws -> EvaluationSummary {
        let type = try EnvironmentRegistry.type(for: envID)
        try arguments.check(for: type.spec)
        func open<E: Environment>(_ type: E.Type) -> EvaluationSummary { run(policy, E.self, episodes: episodes, seed: seed, arguments: arguments) }
        return open(type)
    }

    static func run<E: Environment>(_ policy: PolicyNetwork, _ type: E.Type, episodes: Int, seed: UInt64, arguments: EnvironmentArguments) -> EvaluationSummary {
        let (dim, actionDim) = (E.spec.observationDim, E.spec.actionSpace.dimension)
        var random = RandomSource(seed: seed)
        var environments = (0..<episodes).map { _ in TimeLimitedEpisode<E>(arguments: arguments) }
        for index in environments.indices { environments[index].reset(random: &random) }
        // Every row every step, finished episodes included (their actions are ignored): one
        // batch size keeps the network's buffers, which a shrinking batch would reallocate.
        var observations = [Float](repeating: 0, count: episodes * dim)
        var actions = [Float](repeating: 0, count: episodes * actionDim)
        while environments.contains(where: { !$0.isOver }) {
            observations.withUnsafeMutableBufferPointer { buffer in
                for episode in 0..<episodes where !environments[episode].isOver {
                    environments[episode].observe(into: UnsafeMutableBufferPointer(rebasing: buffer[(episode * dim)..<((episode + 1) * dim)]))
                }
            }
            observations.withUnsafeBufferPointer { o in actions.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: episodes, into: $0) } }
            actions.withUnsafeBufferPointer { buffer in
                for episode in 0..<episodes where !environments[episode].isOver {
                    _ = environments[episode].step(UnsafeBufferPointer(rebasing: buffer[(episode * actionDim)..<((episode + 1) * actionDim)]))
                }
            }
        }
        let (returns, lengths) = (environments.map(\.episodeReturn), environments.map(\.length))
        return EvaluationSummary(returns: returns, lengths: lengths)
    }
}
