import NexusRandom

/// N copies of one environment stepped together, resetting themselves: when a copy's episode
/// ends (terminated, or truncated at the time limit), its last observation goes to
/// `finalObservations` (for bootstrapping) and `observations` already holds the next
/// episode's first one. All buffers are allocated once; a step allocates nothing.
public struct VectorEnvironment<E: Environment> {
    public let count: Int
    public var observationDim: Int { E.spec.observationDim }
    public var actionDim: Int { E.spec.actionSpace.dimension }

    private var environments: [TimeLimitedEpisode<E>]
    private var randoms: [RandomSource]

    /// `[count, observationDim]`: what the policy acts on next.
    public private(set) var observations: [Float]
    /// Per copy, for the last step.
    public private(set) var rewards: [Double]
    public private(set) var terminated: [Bool]
    public private(set) var truncated: [Bool]
    /// `[count, observationDim]`: the last observation of an episode that ended on the last
    /// step (rows of other copies are stale).
    public private(set) var finalObservations: [Float]
    /// Return and length of the episode each copy finished on the last step (0 otherwise).
    public private(set) var completedReturns: [Double]
    public private(set) var completedLengths: [Int]
    /// Per copy: the last step took it from a safe state into the environment's unsafe region
    /// (an unsafe event; staying there is not a new one).
    public private(set) var enteredUnsafe: [Bool]
    /// Whether each copy's current state (the observation the policy acts on next) is unsafe.
    private var currentlyUnsafe: [Bool]

    /// Copy i draws its resets from its own generator, split from `seed`, so its episodes
    /// do not depend on when the other copies' episodes end.
    public init(count: Int, seed: UInt64, arguments: EnvironmentArguments = .none) {
        precondition(count > 0, "a vector environment needs at least one copy")
        self.count = count
        var root = RandomSource(seed: seed)
        randoms = (0..<count).map { _ in root.split() }
        environments = [TimeLimitedEpisode<E>](repeating: TimeLimitedEpisode(arguments: arguments), count: count)
        observations = [Float](repeating: 0, count: count * E.spec.observationDim)
        finalObservations = observations
        rewards = [Double](repeating: 0, count: count)
        terminated = [Bool](repeating: false, count: count)
        truncated = terminated
        completedReturns = rewards
        completedLengths = [Int](repeating: 0, count: count)
        enteredUnsafe = terminated
        currentlyUnsafe = terminated
        for index in 0..<count { resetCopy(index) }
    }

    private mutating func resetCopy(_ index: Int) {
        environments[index].reset(random: &randoms[index])
        let dim = E.spec.observationDim
        observations.withUnsafeMutableBufferPointer { all in
            environments[index].observe(into: UnsafeMutableBufferPointer(rebasing: all[(index * dim)..<((index + 1) * dim)]))
            currentlyUnsafe[index] = E.isUnsafe(observation: UnsafeBufferPointer(rebasing: all[(index * dim)..<((index + 1) * dim)]))
        }
    }

    /// Steps every copy with its row of `actions` (`[count, actionDim]`), but those `idle`
    /// marks (empty: none), which stay where they are: no reward, not ended, not entered.
    public mutating func step(_ actions: UnsafeBufferPointer<Float>, idle: [Bool]) {
        precondition(actions.count == count * actionDim, "vector step needs \(count)×\(actionDim) actions, got \(actions.count)")
        precondition(idle.isEmpty || idle.count == count, "idle marks one flag per copy")
        let (dim, actionDim) = (E.spec.observationDim, self.actionDim)
        for index in 0..<count {
            if !idle.isEmpty, idle[index] {
                (rewards[index], terminated[index], truncated[index], enteredUnsafe[index]) = (0, false, false, false)
                (completedReturns[index], completedLengths[index]) = (0, 0)
                continue
            }
            let (reward, ended, timeUp) = environments[index].step(UnsafeBufferPointer(rebasing: actions[(index * actionDim)..<((index + 1) * actionDim)]))
            rewards[index] = reward
            terminated[index] = ended
            truncated[index] = timeUp
            completedReturns[index] = 0
            completedLengths[index] = 0
            let wasUnsafe = currentlyUnsafe[index]
            if ended || timeUp {
                completedReturns[index] = environments[index].episodeReturn
                completedLengths[index] = environments[index].length
                let reachedUnsafe = finalObservations.withUnsafeMutableBufferPointer { all in
                    let row = UnsafeMutableBufferPointer(rebasing: all[(index * dim)..<((index + 1) * dim)])
                    environments[index].observe(into: row)
                    return E.isUnsafe(observation: UnsafeBufferPointer(row))
                }
                enteredUnsafe[index] = reachedUnsafe && !wasUnsafe
                resetCopy(index)
            } else {
                currentlyUnsafe[index] = observations.withUnsafeMutableBufferPointer { all in
                    let row = UnsafeMutableBufferPointer(rebasing: all[(index * dim)..<((index + 1) * dim)])
                    environments[index].observe(into: row)
                    return E.isUnsafe(observation: UnsafeBufferPointer(row))
                }
                enteredUnsafe[index] = currentlyUnsafe[index] && !wasUnsafe
            }
        }
    }

}
