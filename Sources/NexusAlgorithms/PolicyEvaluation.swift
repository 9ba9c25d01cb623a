import NexusEnvironments
import NexusPolicies
import NexusRandom

/// Deterministic evaluation of a policy on whole episodes (no expert involved). All episodes
/// run side by side, so each step is one batched forward pass instead of one per episode: the
/// learner evaluates after every iteration, and one-row passes made that cost more than PPO's
/// update. Resets draw from `seed` in episode order, exactly as one-after-another episodes do.
public enum PolicyEvaluation {
    public static func run(_ policy: PolicyNetwork, envID: String, episodes: Int, seed: UInt64) throws -> EvaluationSummary {
        func open<E: Environment>(_ type: E.Type) -> EvaluationSummary { run(policy, E.self, episodes: episodes, seed: seed) }
        return open(try EnvironmentRegistry.type(for: envID))
    }

    static func run<E: Environment>(_ policy: PolicyNetwork, _ type: E.Type, episodes: Int, seed: UInt64) -> EvaluationSummary {
        let spec = E.spec
        let (dim, actionDim) = (spec.observationDim, spec.actionSpace.dimension)
        var random = RandomSource(seed: seed)
        var environments = (0..<episodes).map { _ in E() }
        for index in environments.indices { environments[index].reset(random: &random) }
        var returns = [Double](repeating: 0, count: episodes)
        var lengths = [Int](repeating: 0, count: episodes)
        var active = Array(0..<episodes)
        var observations = [Float](), actions = [Float]()
        while !active.isEmpty {
            observations = [Float](repeating: 0, count: active.count * dim)
            actions = [Float](repeating: 0, count: active.count * actionDim)
            observations.withUnsafeMutableBufferPointer { buffer in
                for (row, episode) in active.enumerated() {
                    environments[episode].observe(into: UnsafeMutableBufferPointer(rebasing: buffer[(row * dim)..<((row + 1) * dim)]))
                }
            }
            observations.withUnsafeBufferPointer { o in actions.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: active.count, into: $0) } }
            var stillActive: [Int] = []
            actions.withUnsafeBufferPointer { buffer in
                for (row, episode) in active.enumerated() {
                    let (reward, terminated) = environments[episode].step(UnsafeBufferPointer(rebasing: buffer[(row * actionDim)..<((row + 1) * actionDim)]))
                    returns[episode] += reward
                    lengths[episode] += 1
                    if !terminated && lengths[episode] < spec.maxEpisodeSteps { stillActive.append(episode) }
                }
            }
            active = stillActive
        }
        return EvaluationSummary(returns: returns, lengths: lengths)
    }
}
