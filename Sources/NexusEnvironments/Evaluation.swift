import NexusRandom

/// Mean, spread and range of episode returns.
public struct EvaluationSummary: Sendable, Equatable {
    public let episodes: Int
    public let meanReturn: Double
    public let stdReturn: Double
    public let minReturn: Double
    public let maxReturn: Double
    public let meanLength: Double

    public init(returns: [Double], lengths: [Int]) {
        episodes = returns.count
        meanReturn = returns.reduce(0, +) / Double(returns.count)
        let mean = meanReturn
        stdReturn = (returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(returns.count)).squareRoot()
        minReturn = returns.min() ?? .nan
        maxReturn = returns.max() ?? .nan
        meanLength = Double(lengths.reduce(0, +)) / Double(lengths.count)
    }
}

public enum Evaluation {
    /// Runs `episodes` whole episodes (to termination or the time limit) with `policy`,
    /// resets drawn from `seed`.
    public static func run<E: Environment>(
        _ type: E.Type, episodes: Int, seed: UInt64, arguments: EnvironmentArguments = .none,
        policy: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void
    ) -> EvaluationSummary {
        var random = RandomSource(seed: seed)
        var episode = TimeLimitedEpisode<E>(arguments: arguments)
        var observation = [Float](repeating: 0, count: E.spec.observationDim)
        var action = [Float](repeating: 0, count: E.spec.actionSpace.dimension)
        var returns: [Double] = []
        var lengths: [Int] = []
        for _ in 0..<episodes {
            episode.reset(random: &random)
            while !episode.isOver {
                observation.withUnsafeMutableBufferPointer { episode.observe(into: $0) }
                observation.withUnsafeBufferPointer { o in action.withUnsafeMutableBufferPointer { policy(o, $0) } }
                _ = episode.step(action)
            }
            returns.append(episode.episodeReturn)
            lengths.append(episode.length)
        }
        return EvaluationSummary(returns: returns, lengths: lengths)
    }

    /// The same for an environment known only by its type.
    public static func run(
        _ type: any Environment.Type, episodes: Int, seed: UInt64, arguments: EnvironmentArguments = .none, expert: any Expert
    ) -> EvaluationSummary {
        func open<E: Environment>(_ type: E.Type) -> EvaluationSummary {
            run(type, episodes: episodes, seed: seed, arguments: arguments) { expert.act($0, into: $1) }
        }
        return open(type)
    }
}
