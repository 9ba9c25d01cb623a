/// Scales rewards by the running standard deviation of the discounted return, per stream of
/// consecutive steps (one environment copy of one worker), as VecNormalize's `norm_reward`
/// does: r / √(Var[G] + ε), clipped to ±`clip`. The return restarts at every episode end.
public struct RewardScaler: Sendable {
    public let gamma: Double
    public let clip: Float
    public private(set) var statistics = RunningStatistics(columns: 1)
    private var returns: [UInt64: Double] = [:]

    public init(gamma: Double, clip: Float = 10) {
        self.gamma = gamma
        self.clip = clip
    }

    /// The scaled rewards of one segment of stream `stream`; episode ends are the steps
    /// where `ended` is true.
    public mutating func scale(_ rewards: [Float], ended: [Bool], stream: UInt64) -> [Float] {
        var running = returns[stream] ?? 0
        var discounted: [Float] = []
        discounted.reserveCapacity(rewards.count)
        for (reward, end) in zip(rewards, ended) {
            running = running * gamma + Double(reward)
            discounted.append(Float(running))
            if end { running = 0 }
        }
        returns[stream] = running
        statistics.update(discounted, rows: discounted.count)
        let scale = Float(1 / (statistics.variance[0] + 1e-8).squareRoot())
        return rewards.map { max(-clip, min(clip, $0 * scale)) }
    }

    public mutating func restore(_ statistics: RunningStatistics) { self.statistics = statistics }
}
