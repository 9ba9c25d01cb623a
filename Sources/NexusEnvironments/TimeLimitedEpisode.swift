import NexusRandom

/// One environment under Gymnasium's TimeLimit: counts the episode's steps and return, and
/// says whether a step terminated (the task ended) or truncated (the limit cut it). Every
/// loop over episodes — vector environments, evaluation, demonstrations, traces — steps
/// through this one type, so they all agree on when an episode ends.
public struct TimeLimitedEpisode<E: Environment> {
    public var environment: E
    public private(set) var length = 0
    public private(set) var episodeReturn = 0.0
    public private(set) var isOver = false

    public init(_ environment: E = E()) { self.environment = environment }

    /// With Gymnasium's keyword arguments.
    public init(arguments: EnvironmentArguments) { self.init(arguments.make(E.self)) }

    /// A new episode from the reset distribution.
    public mutating func reset(random: inout RandomSource) {
        environment.reset(random: &random)
        length = 0
        episodeReturn = 0
        isOver = false
    }

    public mutating func step(_ action: UnsafeBufferPointer<Float>) -> (reward: Double, terminated: Bool, truncated: Bool) {
        let (reward, terminated) = environment.step(action)
        length += 1
        episodeReturn += reward
        // Gymnasium reports truncation at the limit even when the step also terminated.
        let truncated = length >= E.spec.maxEpisodeSteps
        isOver = terminated || truncated
        return (reward, terminated, truncated)
    }

    public mutating func step(_ action: [Float]) -> (reward: Double, terminated: Bool, truncated: Bool) {
        action.withUnsafeBufferPointer { step($0) }
    }

    public func observe(into observation: UnsafeMutableBufferPointer<Float>) { environment.observe(into: observation) }
    public func observation() -> [Float] { environment.observation() }
}
