import NexusEnvironments
import NexusWire

/// The episodes of copies stepped together, kept per copy until each ends: what `nexus eval`
/// and `nexus demos record` need from a batched environment (a `gym:` one, or Nexus's own
/// with a Python expert acting), and what the learner's evaluation on a `gym:` environment
/// keeps. Pure: fed each step's actions and the environment's arrays after it.
///
/// Copy c owes `(episodes + c) / copies` episodes, a fixed share (as Stable-Baselines3's
/// `evaluate_policy` counts them): taking whichever episodes end first would favour the short
/// ones. A copy whose episode reaches `stepLimit` (an environment without a time limit)
/// has it cut as truncated and owes nothing more: one copy cannot be reset alone.
public struct EpisodeBook {
    /// One finished episode: copy, its place among that copy's episodes, return, length, and
    /// (when steps are kept) the whole episode as a demonstration record.
    public struct Episode {
        public let copy: Int
        public let index: Int
        public let episodeReturn: Double
        public let length: Int
        public let cut: Bool
        public let record: TrajectorySegment?
    }

    private let envID: String
    private let copies: Int
    private let observationDim: Int
    private let actionDim: Int
    private let stepLimit: Int
    private let keepSteps: Bool
    private var owed: [Int]
    private var current: [[Float]]
    private var observations: [[Float]]
    private var actions: [[Float]]
    private var rewards: [[Float]]
    private var returns: [Double]
    private var lengths: [Int]
    private var finishedPerCopy: [Int]
    public private(set) var finished: [Episode] = []
    public private(set) var steps = 0

    public init(envID: String, copies: Int, episodes: Int, observationDim: Int, actionDim: Int, stepLimit: Int, keepSteps: Bool) {
        precondition(copies > 0 && episodes > 0 && stepLimit > 0)
        self.envID = envID
        (self.copies, self.observationDim, self.actionDim, self.stepLimit, self.keepSteps) = (copies, observationDim, actionDim, stepLimit, keepSteps)
        owed = (0..<copies).map { (episodes + $0) / copies }
        current = [[Float]](repeating: [], count: copies)
        observations = current
        actions = current
        rewards = current
        returns = [Double](repeating: 0, count: copies)
        lengths = [Int](repeating: 0, count: copies)
        finishedPerCopy = lengths
    }

    /// Every copy has given its share.
    public var isComplete: Bool { owed.allSatisfy { $0 == 0 } }

    /// The finished episodes in a fixed order (by copy, then by when each ended in it).
    public var episodes: [Episode] { finished.sorted { ($0.copy, $0.index) < ($1.copy, $1.index) } }

    /// Starts a new episode in every copy from `observations` (`[copies, observationDim]`):
    /// at the first reset, and after the environment was recovered from a failure, which
    /// drops the episodes under way. Returns how many were dropped.
    @discardableResult
    public mutating func begin(observations first: [Float]) -> Int {
        precondition(first.count == copies * observationDim)
        var dropped = 0
        for copy in 0..<copies {
            if lengths[copy] > 0 && owed[copy] > 0 { dropped += 1 }
            startEpisode(copy, at: row(copy, of: first))
        }
        return dropped
    }

    /// Books one step: `actions` (`[copies, actionDim]`) were taken, `environment` holds the
    /// step's outcome. Returns the episodes that ended in it.
    @discardableResult
    public mutating func record(actions taken: [Float], outcome environment: some BatchedEnvironment) -> [Episode] {
        precondition(taken.count == copies * actionDim)
        steps += 1
        var ended: [Episode] = []
        for copy in 0..<copies where owed[copy] > 0 {
            if keepSteps {
                observations[copy] += current[copy]
                actions[copy] += taken[copy * actionDim..<(copy + 1) * actionDim]
                rewards[copy].append(Float(environment.rewards[copy]))
            }
            returns[copy] += environment.rewards[copy]
            lengths[copy] += 1
            let next = row(copy, of: environment.observations)
            if environment.terminated[copy] || environment.truncated[copy] {
                ended.append(finish(copy, final: row(copy, of: environment.finalObservations), terminated: environment.terminated[copy], cut: false))
                owed[copy] -= 1
                startEpisode(copy, at: next)
            } else if lengths[copy] >= stepLimit {
                ended.append(finish(copy, final: next, terminated: false, cut: true))
                owed[copy] = 0
            } else {
                current[copy] = next
            }
        }
        finished += ended
        return ended
    }

    private func row(_ copy: Int, of values: [Float]) -> [Float] {
        Array(values[copy * observationDim..<(copy + 1) * observationDim])
    }

    private mutating func startEpisode(_ copy: Int, at observation: [Float]) {
        current[copy] = observation
        (observations[copy], actions[copy], rewards[copy]) = ([], [], [])
        (returns[copy], lengths[copy]) = (0, 0)
    }

    private mutating func finish(_ copy: Int, final: [Float], terminated: Bool, cut: Bool) -> Episode {
        let index = finishedPerCopy[copy]
        finishedPerCopy[copy] += 1
        let steps = lengths[copy]
        let record = keepSteps
            ? Self.wholeEpisode(
                envID: envID, episodeID: UInt64(index), envIndex: UInt32(copy), observations: observations[copy] + final, actions: actions[copy], rewards: rewards[copy],
                episodeReturn: returns[copy], terminated: terminated, observationDim: observationDim, actionDim: actionDim)
            : nil
        return Episode(copy: copy, index: index, episodeReturn: returns[copy], length: steps, cut: cut, record: record)
    }

    /// One whole episode as a demonstration record: T steps, T+1 observations (the last is
    /// the final one, also given as the final observation of the ending step), the actions
    /// as both the actions taken and the expert's labels.
    static func wholeEpisode(
        envID: String, episodeID: UInt64, envIndex: UInt32, observations: [Float], actions: [Float], rewards: [Float], episodeReturn: Double,
        terminated: Bool, observationDim: Int, actionDim: Int
    ) -> TrajectorySegment {
        let steps = rewards.count
        let final = Array(observations.suffix(observationDim))
        return TrajectorySegment(
            workerID: 0, envIndex: envIndex, episodeID: episodeID, segmentIndex: 0, envID: envID, policyVersion: 0,
            observations: Tensor(rows: steps + 1, columns: observationDim, data: observations),
            actions: Tensor(rows: steps, columns: actionDim, data: actions),
            rewards: rewards,
            terminated: (0..<steps).map { $0 == steps - 1 && terminated },
            truncated: (0..<steps).map { $0 == steps - 1 && !terminated },
            finalObservations: Tensor(rows: 1, columns: observationDim, data: final),
            finalObservationSteps: [UInt32(steps - 1)],
            expertActions: Tensor(rows: steps, columns: actionDim, data: actions),
            expertMask: [Bool](repeating: true, count: steps),
            expertActed: [Bool](repeating: true, count: steps),
            completedEpisodeReturns: [Float(episodeReturn)], completedEpisodeLengths: [UInt32(steps)])
    }
}
