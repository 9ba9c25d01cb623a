import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire

/// What a rollout worker computes, without the sockets: steps a vector of environments with
/// the newest policy and the rollout plan (the expert's action with probability β, its label
/// recorded when asked for) and cuts the experience into fixed-length segments, one per
/// environment copy. The worker process asks the expert for `observations` between steps.
public protocol RolloutCollecting {
    var envID: String { get }
    var envCount: Int { get }
    var observationDim: Int { get }
    var actionDim: Int { get }
    /// `[envCount, observationDim]`: the states the next step acts on.
    var observations: [Float] { get }
    /// Steps taken by all copies so far.
    var envSteps: UInt64 { get }
    /// Advances every copy one step; `expertActions` (`[envCount, actionDim]`) is needed when
    /// the plan asks for the expert. Returns the segments that this step completed.
    mutating func step(policy: PolicyNetwork, policyVersion: UInt64, plan: RolloutPlan, expertActions: [Float]?) -> [TrajectorySegment]
}

extension RolloutPlan {
    /// Whether a step under this plan needs the expert's actions.
    public var needsExpert: Bool { queryExpert || expertActionProbability > 0 }
}

public enum RolloutCollectors {
    /// A collector for the environment `id`.
    public static func make(envID: String, envCount: Int, segmentSteps: Int, workerID: UInt32, seed: UInt64) throws -> any RolloutCollecting {
        func open<E: Environment>(_ type: E.Type) -> any RolloutCollecting {
            RolloutCollector<E>(envCount: envCount, segmentSteps: segmentSteps, workerID: workerID, seed: seed)
        }
        return open(try EnvironmentRegistry.type(for: envID))
    }
}

public struct RolloutCollector<E: Environment>: RolloutCollecting {
    private var vector: VectorEnvironment<E>
    private var builders: [SegmentBuilder]
    private var random: RandomSource
    private var policyActions: [Float]
    private var executed: [Float]
    private var expertActed: [Bool]
    public private(set) var envSteps: UInt64 = 0
    // Read once: `E.spec` builds a struct with arrays and strings on every access.
    public let observationDim = E.spec.observationDim
    public let actionDim = E.spec.actionSpace.dimension
    public let envID = E.spec.id

    public init(envCount: Int, segmentSteps: Int, workerID: UInt32, seed: UInt64) {
        precondition(segmentSteps > 0, "segments need at least one step")
        var root = RandomSource(seed: seed)
        vector = VectorEnvironment<E>(count: envCount, seed: root.next())
        random = root.split()
        let (dim, actionDim) = (E.spec.observationDim, E.spec.actionSpace.dimension)
        policyActions = [Float](repeating: 0, count: envCount * actionDim)
        executed = policyActions
        expertActed = [Bool](repeating: false, count: envCount)
        builders = (0..<envCount).map {
            SegmentBuilder(workerID: workerID, envIndex: UInt32($0), envID: E.spec.id, steps: segmentSteps, observationDim: dim, actionDim: actionDim)
        }
        let first = vector.observations
        for index in 0..<envCount { builders[index].start(observation: first[(index * dim)..<((index + 1) * dim)]) }
    }

    public var envCount: Int { vector.count }
    public var observations: [Float] { vector.observations }

    public mutating func step(policy: PolicyNetwork, policyVersion: UInt64, plan: RolloutPlan, expertActions: [Float]?) -> [TrajectorySegment] {
        let (count, dim, actionDim) = (envCount, observationDim, self.actionDim)
        precondition(!plan.needsExpert || expertActions?.count == count * actionDim, "this plan needs \(count)×\(actionDim) expert actions")
        // Read in place: a copy of the observations alive across `vector.step` would make the
        // step copy its buffer (copy-on-write) every time.
        vector.observations.withUnsafeBufferPointer { o in policyActions.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: count, into: $0) } }
        for index in 0..<count {
            let probability = plan.expertActionProbability
            let useExpert = probability >= 1 || (probability > 0 && random.nextFloat(in: 0...1) < probability)
            expertActed[index] = useExpert
            let source = useExpert ? expertActions! : policyActions
            for column in 0..<actionDim { executed[index * actionDim + column] = source[index * actionDim + column] }
        }
        vector.step(executed)
        envSteps += UInt64(count)
        var finished: [TrajectorySegment] = []
        // The vector's arrays are read once per step (each access across the module boundary
        // is a call and a retain) and passed on as buffer slices.
        let (after, finals, rewards, terminated, truncated) =
            (vector.observations, vector.finalObservations, vector.rewards, vector.terminated, vector.truncated)
        let labels = plan.queryExpert ? expertActions! : []
        after.withUnsafeBufferPointer { after in
            finals.withUnsafeBufferPointer { finals in
                executed.withUnsafeBufferPointer { executed in
                    labels.withUnsafeBufferPointer { labels in
                        for index in 0..<count {
                            let rows = (index * dim)..<((index + 1) * dim), actionRows = (index * actionDim)..<((index + 1) * actionDim)
                            let ended = terminated[index] || truncated[index]
                            builders[index].record(
                                action: UnsafeBufferPointer(rebasing: executed[actionRows]), reward: Float(rewards[index]),
                                terminated: terminated[index], truncated: truncated[index] && !terminated[index],
                                nextObservation: UnsafeBufferPointer(rebasing: after[rows]),
                                finalObservation: ended ? UnsafeBufferPointer(rebasing: finals[rows]) : nil,
                                expertLabel: labels.isEmpty ? nil : UnsafeBufferPointer(rebasing: labels[actionRows]), expertActed: expertActed[index],
                                completed: ended ? (Float(vector.completedReturns[index]), UInt32(vector.completedLengths[index])) : nil)
                            if builders[index].isFull {
                                finished.append(builders[index].finish(policyVersion: policyVersion))
                                builders[index].start(observation: UnsafeBufferPointer(rebasing: after[rows]))
                            }
                        }
                    }
                }
            }
        }
        return finished
    }
}

/// Accumulates one environment copy's steps into a `TrajectorySegment`.
struct SegmentBuilder {
    let workerID: UInt32, envIndex: UInt32, envID: String, steps: Int, observationDim: Int, actionDim: Int
    private var segmentIndex: UInt32 = 0
    private var episodeID: UInt64 = 0
    private var observations: [Float] = [], actions: [Float] = [], rewards: [Float] = []
    private var terminated: [Bool] = [], truncated: [Bool] = []
    private var finalObservations: [Float] = [], finalSteps: [UInt32] = []
    private var expertLabels: [Float] = [], expertMask: [Bool] = [], expertActed: [Bool] = []
    private var returns: [Float] = [], lengths: [UInt32] = []
    private var startEpisode: UInt64 = 0

    init(workerID: UInt32, envIndex: UInt32, envID: String, steps: Int, observationDim: Int, actionDim: Int) {
        (self.workerID, self.envIndex, self.envID, self.steps, self.observationDim, self.actionDim) = (workerID, envIndex, envID, steps, observationDim, actionDim)
    }

    var isFull: Bool { rewards.count == steps }

    /// Starts the next segment; the buffers keep their capacity (the last segment's arrays
    /// went out in a `TrajectorySegment`, so clearing them allocates once, at full size).
    mutating func start(observation: some Collection<Float>) {
        observations.removeAll(keepingCapacity: true)
        observations.reserveCapacity((steps + 1) * observationDim)
        observations += observation
        actions.removeAll(keepingCapacity: true); actions.reserveCapacity(steps * actionDim)
        rewards.removeAll(keepingCapacity: true); rewards.reserveCapacity(steps)
        terminated.removeAll(keepingCapacity: true); terminated.reserveCapacity(steps)
        truncated.removeAll(keepingCapacity: true); truncated.reserveCapacity(steps)
        expertMask.removeAll(keepingCapacity: true); expertMask.reserveCapacity(steps)
        expertActed.removeAll(keepingCapacity: true); expertActed.reserveCapacity(steps)
        expertLabels.removeAll(keepingCapacity: true)
        finalObservations = []; finalSteps = []; returns = []; lengths = []
        startEpisode = episodeID
    }

    mutating func record(
        action: UnsafeBufferPointer<Float>, reward: Float, terminated ended: Bool, truncated cut: Bool, nextObservation: UnsafeBufferPointer<Float>,
        finalObservation: UnsafeBufferPointer<Float>?, expertLabel: UnsafeBufferPointer<Float>?, expertActed acted: Bool, completed: (Float, UInt32)?
    ) {
        actions += action
        rewards.append(reward)
        terminated.append(ended)
        truncated.append(cut)
        observations += nextObservation
        if let finalObservation {
            finalObservations += finalObservation
            finalSteps.append(UInt32(rewards.count - 1))
            episodeID += 1
        }
        if let expertLabel { expertLabels += expertLabel }
        expertMask.append(expertLabel != nil)
        expertActed.append(acted)
        if let (episodeReturn, length) = completed {
            returns.append(episodeReturn)
            lengths.append(length)
        }
    }

    mutating func finish(policyVersion: UInt64) -> TrajectorySegment {
        defer { segmentIndex += 1 }
        let labelled = expertMask.contains(true)
        // Steps without a label carry zeros; the mask says which rows are real.
        var labels = [Float](repeating: 0, count: steps * actionDim)
        if labelled {
            var next = 0
            for step in 0..<steps where expertMask[step] {
                for column in 0..<actionDim { labels[step * actionDim + column] = expertLabels[next * actionDim + column] }
                next += 1
            }
        }
        return TrajectorySegment(
            workerID: workerID, envIndex: envIndex, episodeID: startEpisode, segmentIndex: segmentIndex, envID: envID, policyVersion: policyVersion,
            observations: Tensor(rows: steps + 1, columns: observationDim, data: observations),
            actions: Tensor(rows: steps, columns: actionDim, data: actions),
            rewards: rewards, terminated: terminated, truncated: truncated,
            finalObservations: Tensor(rows: finalSteps.count, columns: observationDim, data: finalObservations), finalObservationSteps: finalSteps,
            expertActions: labelled ? Tensor(rows: steps, columns: actionDim, data: labels) : nil,
            expertMask: labelled ? expertMask : [], expertActed: expertActed,
            completedEpisodeReturns: returns, completedEpisodeLengths: lengths)
    }
}
