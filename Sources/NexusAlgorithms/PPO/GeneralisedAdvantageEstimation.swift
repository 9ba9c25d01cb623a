/// Generalised advantage estimation (Schulman et al., 2016) over one segment of T steps.
///
/// δ_t = r_t + γ·V(next_t) − V(s_t), A_t = δ_t + γλ·A_{t+1} while the episode goes on, where
/// V(next_t) is 0 after a terminated step (the episode really ended), the value of the true
/// final observation after a truncated step (the time limit cut an episode that would have gone
/// on: bootstrapping it is what keeps the value of a time limit out of the return), and
/// V(s_{t+1}) otherwise; the segment's last step bootstraps from V(s_T). The chain of
/// advantages stops at every episode end. Returns (the value targets) are A_t + V(s_t).
public enum GeneralisedAdvantageEstimation {
    /// - Parameters:
    ///   - values: V(s_0) … V(s_T), T + 1 values.
    ///   - finalValues: per step, V(final observation) where `truncated[t]` (ignored elsewhere).
    public static func compute(
        rewards: [Float], values: [Float], terminated: [Bool], truncated: [Bool], finalValues: [Float], gamma: Float, lambda: Float
    ) -> (advantages: [Float], returns: [Float]) {
        let steps = rewards.count
        precondition(values.count == steps + 1 && terminated.count == steps && truncated.count == steps && finalValues.count == steps,
            "GAE needs T rewards, T + 1 values and T flags")
        var advantages = [Float](repeating: 0, count: steps)
        var next: Float = 0
        for step in stride(from: steps - 1, through: 0, by: -1) {
            let nextValue: Float = terminated[step] ? 0 : truncated[step] ? finalValues[step] : values[step + 1]
            let delta = rewards[step] + gamma * nextValue - values[step]
            let continues: Float = terminated[step] || truncated[step] ? 0 : 1
            next = delta + gamma * lambda * continues * next
            advantages[step] = next
        }
        return (advantages, zip(advantages, values).map { $0 + $1 })
    }
}
