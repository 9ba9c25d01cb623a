import NexusWire

/// Transitions (s, a, s′) drawn from trajectory segments, with episode ends turned into
/// absorbing states (Kostrikov et al., 2019, "Discriminator-Actor-Critic"): a terminated step
/// leads to the absorbing state, which then repeats forever. Every state carries a flag
/// column, 0 for real states and 1 for the absorbing one (whose other columns are 0), so the
/// discriminator can tell "the episode ended here" apart from any real state and learn what
/// ending is worth. A truncated step leads to its true final observation: the time limit is
/// not an outcome. This keeps the learned reward free of a bias for or against long episodes.
public struct TransitionSet: Sendable {
    public let observationDim: Int
    public let actionDim: Int
    /// `[count, observationDim + 1]`, raw observations plus the absorbing flag.
    public private(set) var states: [Float] = []
    public private(set) var actions: [Float] = []
    public private(set) var nextStates: [Float] = []
    public private(set) var isAbsorbing: [Bool] = []

    public init(observationDim: Int, actionDim: Int) {
        self.observationDim = observationDim
        self.actionDim = actionDim
    }

    public var count: Int { isAbsorbing.count }
    var stateWidth: Int { observationDim + 1 }

    /// The absorbing state as a flagged row.
    public var absorbingState: [Float] { [Float](repeating: 0, count: observationDim) + [1] }

    /// Adds a segment's T transitions, plus one absorbing → absorbing transition per
    /// terminated step when `absorbing` is set.
    public mutating func append(_ segment: TrajectorySegment, absorbing: Bool = true) {
        let dim = observationDim
        let rows = segment.observations.data
        var finals: [Int: ArraySlice<Float>] = [:]
        for (index, step) in segment.finalObservationSteps.enumerated() {
            finals[Int(step)] = segment.finalObservations.data[(index * dim)..<((index + 1) * dim)]
        }
        for step in 0..<segment.stepCount {
            states += rows[(step * dim)..<((step + 1) * dim)]
            states.append(0)
            actions += segment.actions.data[(step * actionDim)..<((step + 1) * actionDim)]
            if segment.terminated[step] {
                nextStates += absorbingState
            } else {
                nextStates += segment.truncated[step] ? (finals[step] ?? rows[((step + 1) * dim)..<((step + 2) * dim)]) : rows[((step + 1) * dim)..<((step + 2) * dim)]
                nextStates.append(0)
            }
            isAbsorbing.append(false)
            if absorbing, segment.terminated[step] { appendAbsorbing() }
        }
    }

    /// Only the absorbing → absorbing transition: its learned reward is what staying there earns.
    static func absorbingOnly(observationDim: Int, actionDim: Int) -> TransitionSet {
        var set = TransitionSet(observationDim: observationDim, actionDim: actionDim)
        set.appendAbsorbing()
        return set
    }

    /// Adds to each terminated step the value of the absorbing state it leads to, which then
    /// earns `absorbingReward` forever: γ/(1 − γ) × that reward.
    static func addAbsorbingValue(to rewards: inout ArraySlice<Float>, terminated: [Bool], absorbingReward: Float, gamma: Float) {
        let value = gamma / (1 - gamma) * absorbingReward
        for (index, ended) in zip(rewards.indices, terminated) where ended { rewards[index] += value }
    }

    mutating func appendAbsorbing() {
        states += absorbingState
        actions += [Float](repeating: 0, count: actionDim)
        nextStates += absorbingState
        isAbsorbing.append(true)
    }

    /// The rows `picked`, as a batch.
    func select(_ picked: [Int]) -> TransitionSet {
        var batch = TransitionSet(observationDim: observationDim, actionDim: actionDim)
        let width = stateWidth
        for row in picked {
            batch.states += states[(row * width)..<((row + 1) * width)]
            batch.actions += actions[(row * actionDim)..<((row + 1) * actionDim)]
            batch.nextStates += nextStates[(row * width)..<((row + 1) * width)]
            batch.isAbsorbing.append(isAbsorbing[row])
        }
        return batch
    }

    mutating func append(contentsOf other: TransitionSet) {
        precondition(other.observationDim == observationDim && other.actionDim == actionDim, "transition sets of different shapes")
        states += other.states
        actions += other.actions
        nextStates += other.nextStates
        isAbsorbing += other.isAbsorbing
    }
}
