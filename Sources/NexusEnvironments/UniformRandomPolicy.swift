import NexusRandom
import Synchronization

/// Acts uniformly at random over the action space: the "random" end of a normalised score.
public final class UniformRandomPolicy: Expert {
    public let name = "uniform random"
    private let actionSpace: ActionSpace
    private let random: Mutex<RandomSource>

    public init(actionSpace: ActionSpace, seed: UInt64) {
        self.actionSpace = actionSpace
        random = Mutex(RandomSource(seed: seed))
    }

    public func act(_ observation: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        random.withLock { random in
            switch actionSpace {
            case .discrete(let count):
                action[0] = Float(Int(random.next() % UInt64(count)))
            case .box(let low, let high):
                for index in low.indices { action[index] = low[index] + (high[index] - low[index]) * random.nextUnitFloat() }
            }
        }
    }
}

/// The reference library's benchmark measure: (R − R_random) / (R_expert − R_random), 0 for
/// acting at random and 1 for the expert.
public enum NormalisedScore {
    public static func of(_ score: Double, random: Double, expert: Double) -> Double {
        (score - random) / (expert - random)
    }
}
