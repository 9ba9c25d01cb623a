import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire

/// What a rollout worker computes, without the sockets: steps a vector of environments with
/// the newest policy under the rollout plan and cuts the experience into fixed-length
/// segments, one per environment copy. A step has two phases around the expert: `propose`
/// (the policy acts, the plan picks the rows the expert must see), then the worker asks the
/// expert for exactly those rows, then `complete` (the environments step).
public protocol RolloutCollecting {
    var envID: String { get }
    var envCount: Int { get }
    var observationDim: Int { get }
    var actionDim: Int { get }
    /// `[envCount, observationDim]`: the states the next step acts on.
    var observations: [Float] { get }
    /// Steps taken by all copies so far.
    var envSteps: UInt64 { get }
    /// Phase 1: the policy proposes actions for every copy (as `plan.acting` says); the plan
    /// decides per row whether the expert's action is executed and whether its label is
    /// recorded; under a gated plan, `gate` judges each row. Returns the rows (ascending)
    /// whose states must go to the expert.
    mutating func propose(policy: PolicyNetwork, plan: RolloutPlan, gate: QueryGate?) -> [Int]
    /// Phase 2, wherever the environments run: each of `expertAnswers` (one per expert
    /// asked) holds `[rows.count, actionDim]` values for the rows `propose` returned, in that
    /// order; several are fused into one label per row (`LabelFusion`). Steps every copy;
    /// returns the segments this step completed. Throws what stepping the environments threw
    /// (then nothing was recorded, and the next step starts with `propose`).
    mutating func completeStep(policyVersion: UInt64, expertAnswers: [[Float]]) async throws -> [TrajectorySegment]
    /// After a `completeStep` that threw: the environments recover, and each copy's episode
    /// is cut where it stood (its last recorded step truncated), so that no recorded
    /// transition spans the failure.
    mutating func recoverEnvironments() async throws
    /// Labels that several experts disagreed on, and labels dropped as unsafe, so far.
    var fusion: (conflicts: Int, filtered: Int) { get }
    /// Stays in the unsafe region the safety fallback let go of so far (`UnsafeStay`).
    var unsafeStaysReleased: Int { get }
}

/// A collector whose environments step in this process: phase 2 is synchronous.
public protocol LocalRolloutCollecting: RolloutCollecting {
    /// Phase 2 (see `completeStep`), at once.
    mutating func complete(policyVersion: UInt64, expertAnswers: [[Float]]) -> [TrajectorySegment]
}

extension RolloutCollecting {
    public mutating func propose(policy: PolicyNetwork, plan: RolloutPlan) -> [Int] { propose(policy: policy, plan: plan, gate: nil) }

    /// The observations of `rows`, `[rows.count, observationDim]`: what goes to the expert.
    public func observations(ofRows rows: [Int]) -> [Float] {
        let (all, dim) = (observations, observationDim)
        var selected: [Float] = []
        selected.reserveCapacity(rows.count * dim)
        for row in rows { selected += all[(row * dim)..<((row + 1) * dim)] }
        return selected
    }
}

extension LocalRolloutCollecting {
    /// Phase 2 with one expert's answer.
    public mutating func complete(policyVersion: UInt64, expertActions: [Float]) -> [TrajectorySegment] {
        complete(policyVersion: policyVersion, expertAnswers: [expertActions])
    }

    /// Both phases with an expert that answers at once (tests, the in-process runner):
    /// `expert` gets the picked rows and their `[rows.count, observationDim]` states and returns
    /// `[rows.count, actionDim]` actions.
    public mutating func step(
        policy: PolicyNetwork, policyVersion: UInt64, plan: RolloutPlan, gate: QueryGate? = nil,
        expert: (_ rows: [Int], _ observations: [Float]) throws -> [Float]
    ) rethrows -> [TrajectorySegment] {
        let rows = propose(policy: policy, plan: plan, gate: gate)
        let actions = rows.isEmpty ? [] : try expert(rows, observations(ofRows: rows))
        return complete(policyVersion: policyVersion, expertActions: actions)
    }

    /// Both phases, with the expert's actions for every row given up front (or nil when the
    /// plan needs none).
    public mutating func step(policy: PolicyNetwork, policyVersion: UInt64, plan: RolloutPlan, expertActions: [Float]?) -> [TrajectorySegment] {
        let (count, actionDim) = (envCount, self.actionDim)
        return step(policy: policy, policyVersion: policyVersion, plan: plan) { rows, _ in
            precondition(expertActions?.count == count * actionDim, "this plan needs \(count)×\(actionDim) expert actions")
            return rows.flatMap { expertActions![($0 * actionDim)..<(($0 + 1) * actionDim)] }
        }
    }
}

public enum RolloutCollectors {
    /// A collector for the environment `id`.
    public static func make(
        envID: String, envCount: Int, segmentSteps: Int, workerID: UInt32, seed: UInt64, arguments: EnvironmentArguments = .none
    ) throws -> any LocalRolloutCollecting {
        let type = try EnvironmentRegistry.type(for: envID)
        try arguments.check(for: type.spec)
        func open<E: Environment>(_ type: E.Type) -> any LocalRolloutCollecting {
            RolloutCollector(VectorEnvironment<E>.self, envCount: envCount, segmentSteps: segmentSteps, workerID: workerID, seed: seed, arguments: arguments)
        }
        return open(type)
    }
}

public struct RolloutCollector<V: BatchedEnvironment>: RolloutCollecting {
    /// The environments; their arrays hold the last step's outcome.
    public private(set) var vector: V
    private var builders: [SegmentBuilder]
    /// β draws.
    private var random: RandomSource
    /// The policy's draws when it samples (apart, so that β draws do not depend on the mode).
    private var actingRandom: RandomSource
    private var policyActions: [Float]
    private var logProbabilities: [Float]
    private var executed: [Float]
    private var expertActed: [Bool]
    private var queried: [Bool]
    /// Copies that sit out this step (empty: none): under a plan where the expert drives fixed
    /// copies, the others, so that an untrained policy does not drive them unwatched.
    private var idle: [Bool] = []
    /// Under a gated plan: each row's disagreement, and whether the expert took over for safety.
    private var decision: QueryGate.Decision?
    /// Steps each copy's current intervention has left (0: the policy drives).
    private var takeoverLeft: [Int]
    /// Under a gated plan with an intervention rate: the tokens interventions spend.
    private var interventionBudget = InterventionBudget()
    /// Under a gated plan: how long each copy's state has been inside the unsafe region.
    private var unsafeStay: UnsafeStay
    private var pending: (plan: RolloutPlan, policy: PolicyNetwork, rows: [Int], gate: QueryGate?)?
    /// Between the two halves of phase 2: the fused labels, and each copy's row among them.
    private var stepping: (plan: RolloutPlan, expertActions: [Float], expertRow: [Int], experts: Int)?
    public private(set) var fusion = (conflicts: 0, filtered: 0)
    public private(set) var envSteps: UInt64 = 0
    // Read once: a spec is a struct with arrays and strings.
    public let observationDim: Int
    public let actionDim: Int
    public let envID: String
    private let discrete: Bool
    private let isUnsafe: @Sendable (UnsafeBufferPointer<Float>) -> Bool

    /// Collects from `vector` (freshly reset); `random`: the root of the plan's and the
    /// policy's draws.
    public init(_ vector: V, segmentSteps: Int, workerID: UInt32, random root: RandomSource) {
        precondition(segmentSteps > 0, "segments need at least one step")
        var root = root
        let spec = vector.spec
        (observationDim, actionDim, envID, discrete) = (spec.observationDim, spec.actionSpace.dimension, spec.id, spec.actionSpace.discreteCount != nil)
        isUnsafe = vector.unsafeRule
        let envCount = vector.count
        self.vector = vector
        random = root.split()
        actingRandom = root.split()
        let (dim, actionDim) = (spec.observationDim, spec.actionSpace.dimension)
        policyActions = [Float](repeating: 0, count: envCount * actionDim)
        executed = policyActions
        logProbabilities = [Float](repeating: 0, count: envCount)
        expertActed = [Bool](repeating: false, count: envCount)
        queried = expertActed
        takeoverLeft = [Int](repeating: 0, count: envCount)
        unsafeStay = UnsafeStay(copies: envCount)
        builders = (0..<envCount).map {
            SegmentBuilder(workerID: workerID, envIndex: UInt32($0), envID: spec.id, steps: segmentSteps, observationDim: dim, actionDim: actionDim)
        }
        let first = vector.observations
        for index in 0..<envCount { builders[index].start(observation: first[(index * dim)..<((index + 1) * dim)]) }
    }

    public var envCount: Int { vector.count }
    public var observations: [Float] { vector.observations }
    public var unsafeStaysReleased: Int { unsafeStay.released }

    public mutating func propose(policy: PolicyNetwork, plan: RolloutPlan, gate: QueryGate?) -> [Int] {
        precondition(pending == nil, "propose called twice without complete")
        let count = envCount
        // Read in place: a copy of the observations alive across `vector.step` would make the
        // step copy its buffer (copy-on-write) every time.
        vector.observations.withUnsafeBufferPointer { o in
            policyActions.withUnsafeMutableBufferPointer { actions in
                if plan.acting == .deterministic {
                    policy.act(batch: o, rows: count, into: actions)
                } else {
                    logProbabilities.withUnsafeMutableBufferPointer {
                        policy.act(batch: o, rows: count, mode: plan.acting, random: &actingRandom, into: actions, logProbabilities: $0)
                    }
                }
            }
        }
        decision = nil
        if plan.queryRule == .gate {
            precondition(gate != nil, "a gated rollout plan needs the gate built from its weights")
            decision = vector.observations.withUnsafeBufferPointer { o in
                policyActions.withUnsafeBufferPointer { gate!.decide(observations: o, actions: $0, rows: count, policy: policy, isUnsafe: isUnsafe) }
            }
            // A copy kept inside the unsafe region past the plan's limit is let go of by the
            // safety fallback (`UnsafeStay`): the rest of the gate still judges it.
            if plan.gateUnsafeStaySteps > 0 {
                let dim = observationDim
                let inside = vector.observations.withUnsafeBufferPointer { o in
                    (0..<count).map { isUnsafe(UnsafeBufferPointer(rebasing: o[($0 * dim)..<(($0 + 1) * dim)])) }
                }
                let letGo = unsafeStay.observe(inside: inside, limit: plan.gateUnsafeStaySteps)
                if letGo.contains(true) { decision = gate!.decision(decision!, lettingGoOf: letGo) }
            }
        }
        var rows: [Int] = []
        let probability = plan.expertActionProbability
        let (takeover, safetyTakeover) = plan.queryRule == .gate ? (plan.gateTakeoverSteps, plan.gateSafetyTakeoverSteps) : (0, 0)
        let expertCopies = plan.expertCopies
        idle = expertCopies > 0 && expertCopies < count ? (0..<count).map { $0 >= expertCopies } : []
        // Which firings the disagreement may act on: all of them, or under a budget those of
        // copies not already in an intervention, the most uncertain first.
        var admitted = decision?.fires ?? []
        if let decision, let rate = plan.gateInterventionRate {
            let candidates = (0..<count).filter { decision.fires[$0] && !decision.unsafeAhead[$0] && takeoverLeft[$0] == 0 }
            admitted = interventionBudget.admit(candidates: candidates, scores: decision.disagreement, copies: count, rate: rate)
            for index in 0..<count where decision.unsafeAhead[index] { admitted[index] = true }
        }
        for index in 0..<count {
            let drawn = index < expertCopies || probability >= 1 || (probability > 0 && random.nextFloat(in: 0...1) < probability)
            // An intervention: where the model is unsure or foresees danger, the expert drives
            // this copy for a while, so its labels come from its own trajectory rather than from
            // single states, and the policy gets the copy back away from the danger.
            // A safety firing recurs on every step the danger is seen, so its own hold can be
            // short; a longer hold already running is not cut.
            if let decision, admitted[index] {
                takeoverLeft[index] = max(takeoverLeft[index], decision.unsafeAhead[index] ? safetyTakeover : takeover)
            }
            let intervening = takeoverLeft[index] > 0
            if intervening { takeoverLeft[index] -= 1 }
            // The safety fallback: where the lookahead saw danger, the expert acts.
            let useExpert = drawn || intervening || decision?.unsafeAhead[index] == true
            expertActed[index] = useExpert
            switch plan.queryRule {
            case .none: queried[index] = false
            case .all: queried[index] = true
            case .expertActing: queried[index] = useExpert
            case .gate: queried[index] = useExpert || admitted[index]
            }
            if useExpert || queried[index] { rows.append(index) }
        }
        pending = (plan, policy, rows, gate)
        return rows
    }

    public mutating func completeStep(policyVersion: UInt64, expertAnswers: [[Float]]) async throws -> [TrajectorySegment] {
        let actions = prepareStep(expertAnswers: expertAnswers)
        do {
            try await vector.step(stepping: actions, idle: idle)
        } catch {
            stepping = nil
            throw error
        }
        return recordStep(policyVersion: policyVersion)
    }

    public mutating func recoverEnvironments() async throws {
        pending = nil
        stepping = nil
        try await vector.recover()
        let (fresh, dim) = (vector.observations, observationDim)
        for index in 0..<envCount {
            builders[index].cutEpisode(restartingAt: fresh[(index * dim)..<((index + 1) * dim)])
            takeoverLeft[index] = 0
        }
    }

    /// Phase 2a: fuses the answers; the actions every copy executes, `[envCount, actionDim]`.
    private mutating func prepareStep(expertAnswers: [[Float]]) -> [Float] {
        guard let (plan, policy, rows, gate) = pending else { preconditionFailure("complete called before propose") }
        pending = nil
        let (count, actionDim) = (envCount, self.actionDim)
        let expertActions = fuse(expertAnswers, rows: rows, gate: gate)
        precondition(expertActions.count == rows.count * actionDim, "\(rows.count) rows need \(rows.count)×\(actionDim) expert actions")
        executed = policyActions
        var expertRow = [Int](repeating: -1, count: count)
        for (position, row) in rows.enumerated() {
            expertRow[row] = position
            guard expertActed[row] else { continue }
            for column in 0..<actionDim { executed[row * actionDim + column] = expertActions[position * actionDim + column] }
            if plan.acting == .sample {
                // The behaviour log-probability is the policy's, of the action executed.
                logProbabilities[row] = executed.withUnsafeBufferPointer {
                    policy.logProbabilityOfLastForward(row: row, action: UnsafeBufferPointer(rebasing: $0[(row * actionDim)..<((row + 1) * actionDim)]))
                }
            }
        }
        stepping = (plan, expertActions, expertRow, max(1, expertAnswers.count))
        return executed
    }

    /// Phase 2b: the environments stepped with phase 2a's actions; records every copy's step.
    private mutating func recordStep(policyVersion: UInt64) -> [TrajectorySegment] {
        guard let (plan, expertActions, expertRow, experts) = stepping else { preconditionFailure("recordStep called before prepareStep") }
        stepping = nil
        let (count, dim, actionDim) = (envCount, observationDim, self.actionDim)
        envSteps += UInt64(idle.isEmpty ? count : idle.lazy.filter { !$0 }.count)
        var finished: [TrajectorySegment] = []
        // The vector's arrays are read once per step (each access across the module boundary
        // is a call and a retain) and passed on as buffer slices.
        let (after, finals, rewards, terminated, truncated, enteredUnsafe) =
            (vector.observations, vector.finalObservations, vector.rewards, vector.terminated, vector.truncated, vector.enteredUnsafe)
        let recordsLogProbabilities = plan.acting == .sample
        after.withUnsafeBufferPointer { after in
            finals.withUnsafeBufferPointer { finals in
                executed.withUnsafeBufferPointer { executed in
                    expertActions.withUnsafeBufferPointer { labels in
                        for index in 0..<count where idle.isEmpty || !idle[index] {
                            let rows = (index * dim)..<((index + 1) * dim), actionRows = (index * actionDim)..<((index + 1) * actionDim)
                            let ended = terminated[index] || truncated[index]
                            if ended { takeoverLeft[index] = 0 }
                            // A new version's first step ends the old version's segment early.
                            if !builders[index].accepts(policyVersion: policyVersion) { finished.append(builders[index].cut()) }
                            let label = queried[index] ? UnsafeBufferPointer(rebasing: labels[(expertRow[index] * actionDim)..<((expertRow[index] + 1) * actionDim)]) : nil
                            builders[index].record(
                                action: UnsafeBufferPointer(rebasing: executed[actionRows]), reward: Float(rewards[index]),
                                terminated: terminated[index], truncated: truncated[index] && !terminated[index],
                                nextObservation: UnsafeBufferPointer(rebasing: after[rows]),
                                finalObservation: ended ? UnsafeBufferPointer(rebasing: finals[rows]) : nil,
                                expertLabel: label, expertAnswers: experts, expertActed: expertActed[index],
                                behaviourLogProbability: recordsLogProbabilities ? logProbabilities[index] : nil,
                                enteredUnsafe: enteredUnsafe[index],
                                uncertainty: decision?.disagreement[index], safetyTakeover: decision?.unsafeAhead[index] == true,
                                completed: ended ? (Float(vector.completedReturns[index]), UInt32(vector.completedLengths[index])) : nil,
                                policyVersion: policyVersion)
                            if builders[index].isFull {
                                finished.append(builders[index].finish())
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

extension RolloutCollector: LocalRolloutCollecting where V: LocalBatchedEnvironment {
    public mutating func complete(policyVersion: UInt64, expertAnswers: [[Float]]) -> [TrajectorySegment] {
        let actions = prepareStep(expertAnswers: expertAnswers)
        vector.step(actions, idle: idle)
        return recordStep(policyVersion: policyVersion)
    }
}

extension RolloutCollector {
    /// A collector of `envCount` copies of a Nexus environment, reset from `seed`.
    public init<E: Environment>(
        _ type: VectorEnvironment<E>.Type = VectorEnvironment<E>.self, envCount: Int, segmentSteps: Int, workerID: UInt32, seed: UInt64,
        arguments: EnvironmentArguments = .none
    ) where V == VectorEnvironment<E> {
        var root = RandomSource(seed: seed)
        self.init(VectorEnvironment<E>(count: envCount, seed: root.next(), arguments: arguments), segmentSteps: segmentSteps, workerID: workerID, random: root)
    }
}

extension RolloutCollector {
    /// One label per row from several experts' answers: labels the world model predicts to be
    /// unsafe are filtered (when a gate is given), conflicts resolved by `LabelFusion`.
    private mutating func fuse(_ answers: [[Float]], rows: [Int], gate: QueryGate?) -> [Float] {
        guard answers.count > 1 else { return answers.first ?? [] }
        var unsafeLabels = Set<Int>()  // expert * rows.count + position
        if let gate, !rows.isEmpty {
            let states = observations(ofRows: rows)
            for (expert, labels) in answers.enumerated() {
                let unsafe = states.withUnsafeBufferPointer { s in
                    labels.withUnsafeBufferPointer { gate.predictsUnsafe(observations: s, actions: $0, rows: rows.count, isUnsafe: isUnsafe) }
                }
                for (position, flag) in unsafe.enumerated() where flag { unsafeLabels.insert(expert * rows.count + position) }
            }
        }
        let outcome = LabelFusion.fuse(
            answers: answers, rows: rows.count, actionDim: actionDim, discrete: discrete,
            unsafe: { unsafeLabels.contains($0 * rows.count + $1) })
        fusion.conflicts += outcome.conflicts
        fusion.filtered += outcome.filtered
        return outcome.labels
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
    private var behaviourLogProbabilities: [Float] = []
    private var returns: [Float] = [], lengths: [UInt32] = []
    private var safetyEvents: [SafetyEvent] = []
    private var uncertainty: [Float] = []
    /// Expert answers behind this segment's labels.
    private var answers = 0
    private var startEpisode: UInt64 = 0
    /// Whether the last recorded step ended its episode (the next starts a new one).
    private var lastStepEnded = false
    /// The policy version that collected this segment's steps (nil before its first).
    private(set) var version: UInt64?

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
        behaviourLogProbabilities.removeAll(keepingCapacity: true)
        uncertainty.removeAll(keepingCapacity: true)
        finalObservations = []; finalSteps = []; returns = []; lengths = []; safetyEvents = []
        answers = 0
        startEpisode = episodeID
        version = nil
    }

    /// Whether a step collected by `policyVersion` may join this segment: every step of a
    /// segment is one version's, so the version it carries is the one that collected it
    /// (a segment tagged with the newer of two under-reported its policy lag).
    func accepts(policyVersion: UInt64) -> Bool { version == nil || version == policyVersion }

    /// The steps so far as a (shorter) segment; the next starts where they ended, in the same
    /// episode.
    mutating func cut() -> TrajectorySegment {
        let segment = finish()
        start(observation: Array(observations.suffix(observationDim)))
        return segment
    }

    mutating func record(
        action: UnsafeBufferPointer<Float>, reward: Float, terminated ended: Bool, truncated cut: Bool, nextObservation: UnsafeBufferPointer<Float>,
        finalObservation: UnsafeBufferPointer<Float>?, expertLabel: UnsafeBufferPointer<Float>?, expertAnswers: Int = 1, expertActed acted: Bool, behaviourLogProbability: Float?, enteredUnsafe: Bool = false,
        uncertainty score: Float? = nil, safetyTakeover: Bool = false, completed: (Float, UInt32)?, policyVersion: UInt64
    ) {
        precondition(accepts(policyVersion: policyVersion), "a segment holds one policy version's steps: cut it first")
        version = policyVersion
        if let score { uncertainty.append(score) }
        if safetyTakeover { safetyEvents.append(SafetyEvent(step: UInt32(rewards.count), kind: .expertTakeover, severity: 1)) }
        if let behaviourLogProbability { behaviourLogProbabilities.append(behaviourLogProbability) }
        actions += action
        rewards.append(reward)
        terminated.append(ended)
        truncated.append(cut)
        lastStepEnded = ended || cut
        observations += nextObservation
        if let finalObservation {
            finalObservations += finalObservation
            finalSteps.append(UInt32(rewards.count - 1))
            episodeID += 1
        }
        if let expertLabel {
            expertLabels += expertLabel
            answers += expertAnswers
        }
        expertMask.append(expertLabel != nil)
        expertActed.append(acted)
        if enteredUnsafe { safetyEvents.append(SafetyEvent(step: UInt32(rewards.count - 1), kind: .violation, severity: 1)) }
        if let (episodeReturn, length) = completed {
            returns.append(episodeReturn)
            lengths.append(length)
        }
    }

    /// The copy's environment was replaced: the episode in progress ends at the last recorded
    /// step (truncated: it did not terminate, it was cut), whose next observation becomes
    /// its final one; the copy goes on from `observation`, a new episode's first.
    mutating func cutEpisode(restartingAt observation: some Collection<Float>) {
        let last = rewards.count - 1
        guard last >= 0 else {
            // Nothing recorded in this segment yet: it starts from the new state, a new
            // episode (the last one ended with the previous segment's last step, which has
            // gone out uncut).
            observations.removeAll(keepingCapacity: true)
            observations += observation
            if !lastStepEnded { episodeID += 1 }
            startEpisode = episodeID
            lastStepEnded = true
            return
        }
        let nextStart = observations.count - observationDim
        if !terminated[last] && !truncated[last] {
            truncated[last] = true
            finalObservations += observations[nextStart...]
            finalSteps.append(UInt32(last))
            episodeID += 1
        }
        observations.replaceSubrange(nextStart..., with: observation)
        lastStepEnded = true
    }

    /// The segment recorded since `start`: full, or cut short at a version change.
    mutating func finish() -> TrajectorySegment {
        defer { segmentIndex += 1 }
        let steps = rewards.count
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
            workerID: workerID, envIndex: envIndex, episodeID: startEpisode, segmentIndex: segmentIndex, envID: envID, policyVersion: version ?? 0,
            observations: Tensor(rows: steps + 1, columns: observationDim, data: observations),
            actions: Tensor(rows: steps, columns: actionDim, data: actions),
            // All steps or none (one version's steps, one plan; a copy's environment replaced
            // mid-segment keeps them whole).
            behaviourLogProbs: behaviourLogProbabilities.count == steps ? behaviourLogProbabilities : [],
            rewards: rewards, terminated: terminated, truncated: truncated,
            finalObservations: Tensor(rows: finalSteps.count, columns: observationDim, data: finalObservations), finalObservationSteps: finalSteps,
            expertActions: labelled ? Tensor(rows: steps, columns: actionDim, data: labels) : nil,
            expertMask: labelled ? expertMask : [], expertActed: expertActed,
            uncertainty: uncertainty.count == steps ? uncertainty : [], safetyEvents: safetyEvents,
            completedEpisodeReturns: returns, completedEpisodeLengths: lengths, expertAnswers: UInt32(answers))
    }
}
