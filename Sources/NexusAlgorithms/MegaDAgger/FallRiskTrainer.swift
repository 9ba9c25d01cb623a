import NexusNN
import NexusPolicies
import NexusWire

/// The learner's side of MEGA-DAgger's fall-risk critic: every real state gets an outcome, 1
/// when the copy entered the unsafe region at the step taken from it or within the `horizon`
/// steps after, 0 when it did not (or its episode ended first), and a `FallRiskNetwork` is
/// fitted to them. A state's outcome is known only `horizon` steps later, so each copy keeps
/// its newest states pending across segments; a segment that does not follow the last one of
/// its copy (a restarted worker, an environment replaced between segments) drops them, and so
/// does a copy that sent nothing for two iterations (a worker gone). Pure: no I/O.
///
/// Every outcome joins the kept data at the same age: when its state is `horizon` steps old, or
/// its episode ends. An entry settles the states before it as unsafe at once, but they wait
/// their turn like the safe ones: released at the entry, they came `horizon` steps ahead of the
/// safe states of the same stretch. The fit draws the waiting states too, as they stand (`fit`),
/// so the critic learns of an entry at once without the data leaning toward falls.
public final class FallRiskTrainer {
    public let critic: FallRiskNetwork
    public let horizon: Int
    public let batchSize: Int
    public private(set) var outcomes: LabelledDataset
    /// Unsafe states among `outcomes`' rows ever added.
    public private(set) var positives = 0
    private var normalised = false
    private var pending: [CopyKey: Pending] = [:]

    struct CopyKey: Hashable {
        var worker: UInt32
        var copy: UInt32
    }

    struct Pending {
        var nextSegment: UInt32
        /// The episode the copy's next segment starts in, if nothing was cut in between.
        var nextEpisode: UInt64
        /// Iterations (fits) since the copy last sent a segment.
        var idleFits = 0
        var states: [[Float]] = []
        /// The oldest `marked` of `states` are settled as unsafe (an entry came at their step or
        /// within `horizon` after); they are released, as the rest, when they are `horizon` old.
        var marked = 0
    }

    /// Copies followed at most: a worker that numbers its copies wildly cannot grow the table
    /// past it (the states of copies beyond are not labelled).
    static let maxCopies = 1 << 16
    /// A copy silent for more iterations than this is forgotten.
    static let maxIdleFits = 2

    public init(critic: FallRiskNetwork, horizon: Int, capacity: Int, batchSize: Int, seed: UInt64) {
        precondition(horizon > 0, "a fall-risk horizon is at least one step")
        self.critic = critic
        self.horizon = horizon
        self.batchSize = batchSize
        outcomes = LabelledDataset(observationDim: critic.observationDim, labelDim: 1, capacity: capacity, seed: seed)
    }

    /// Takes every step of a segment, in order.
    public func add(_ segment: TrajectorySegment) {
        guard segment.observations.columns == critic.observationDim else { return }
        let key = CopyKey(worker: segment.workerID, copy: segment.envIndex)
        guard pending[key] != nil || pending.count < Self.maxCopies else { return }
        let follows = { (last: Pending) in last.nextSegment == segment.segmentIndex && last.nextEpisode == segment.episodeID }
        var copy = pending[key].flatMap { follows($0) ? $0 : nil } ?? Pending(nextSegment: segment.segmentIndex, nextEpisode: segment.episodeID)
        let unsafeSteps = Set(segment.safetyEvents.lazy.filter { $0.kind == .violation }.map { Int($0.step) })
        for step in 0..<segment.stepCount {
            copy.states.append(Array(segment.observations.row(step)))
            if unsafeSteps.contains(step) { copy.marked = copy.states.count }
            if copy.states.count > horizon {
                // The oldest state's step and the `horizon` after it have passed: settled.
                record(copy.states.removeFirst(), unsafe: copy.marked > 0)
                copy.marked = max(0, copy.marked - 1)
            }
            let ended = (step < segment.terminated.count && segment.terminated[step]) || (step < segment.truncated.count && segment.truncated[step])
            if ended {
                for (index, state) in copy.states.enumerated() { record(state, unsafe: index < copy.marked) }
                copy.states.removeAll(keepingCapacity: true)
                copy.marked = 0
            }
        }
        copy.nextSegment = segment.segmentIndex &+ 1
        // Every episode that ended in the segment left a final observation.
        copy.nextEpisode = segment.episodeID &+ UInt64(segment.finalObservationSteps.count)
        copy.idleFits = 0
        pending[key] = copy
    }

    private func record(_ state: [Float], unsafe: Bool) {
        outcomes.append(observation: state, label: [unsafe ? 1 : 0])
        if unsafe { positives += 1 }
    }

    /// Whether the critic has something to tell: it has been fitted, which it is only once an
    /// unsafe outcome has been seen.
    public var hasLearned: Bool { normalised }

    /// `steps` Adam steps on uniform draws of what is known now: every settled outcome, and every
    /// waiting state as it stands (unsafe where an entry has already come, safe so far
    /// otherwise). Returns the mean loss (NaN before any unsafe outcome: with none there is
    /// nothing to learn, and the critic is not used).
    ///
    /// The waiting states are drawn too because leaving them out skews the data toward falls:
    /// a fall settles the states before it at once, while a copy that did not fall has its last
    /// `horizon` states waiting, and early in a run that is nearly all of them. With 16 copies
    /// stepping 16 steps an iteration, the first fall on Ant-v5 met no safe outcome for six
    /// iterations; the critic fitted to it fired on every state and the expert drove 186–256
    /// of an iteration's 256 steps (2026-12-07). Counted as safe so far, a waiting state is
    /// wrong only where its copy is heading for a fall not yet come, and then only until it
    /// comes.
    @discardableResult
    public func fit(steps: Int, random: inout RandomSource) -> Float {
        for key in pending.keys.sorted(by: Self.order) {
            pending[key]!.idleFits += 1
            if pending[key]!.idleFits > Self.maxIdleFits { pending[key] = nil }
        }
        let waiting = waitingRows()
        guard positives + waiting.unsafe > 0, steps > 0 else { return .nan }
        let settled = outcomes.count, total = settled + waiting.labels.count
        if !normalised {
            var known = LabelledDataset(observationDim: critic.observationDim, labelDim: 1, capacity: total)
            for row in 0..<settled { known.append(observation: outcomes.observations[(row * critic.observationDim)..<((row + 1) * critic.observationDim)], label: [outcomes.labels[row]]) }
            for row in 0..<waiting.labels.count { known.append(observation: waiting.observations[(row * critic.observationDim)..<((row + 1) * critic.observationDim)], label: [waiting.labels[row]]) }
            let (shift, scale) = known.normalisation()
            critic.setNormalisation(shift: shift, scale: scale)
            normalised = true
        }
        let (batch, dim) = (min(batchSize, total), critic.observationDim)
        var observations = [Float](repeating: 0, count: batch * dim), targets = [Float](repeating: 0, count: batch)
        var loss: Float = 0
        for _ in 0..<steps {
            for row in 0..<batch {
                let pick = Int(random.next() % UInt64(total))
                let (source, labels, index) = pick < settled ? (outcomes.observations, outcomes.labels, pick) : (waiting.observations, waiting.labels, pick - settled)
                observations.replaceSubrange((row * dim)..<((row + 1) * dim), with: source[(index * dim)..<((index + 1) * dim)])
                targets[row] = labels[index]
            }
            loss += critic.train(observations: observations, outcomes: targets, rows: batch)
        }
        return loss / Float(steps)
    }

    /// Every copy's waiting states, in a fixed order, labelled as they stand: 1 for those an
    /// entry has settled, 0 (so far) for the rest.
    private func waitingRows() -> (observations: [Float], labels: [Float], unsafe: Int) {
        var observations: [Float] = [], labels: [Float] = []
        var unsafe = 0
        for key in pending.keys.sorted(by: Self.order) {
            let copy = pending[key]!
            for (index, state) in copy.states.enumerated() {
                observations += state
                labels.append(index < copy.marked ? 1 : 0)
            }
            unsafe += copy.marked
        }
        return (observations, labels, unsafe)
    }

    /// For checkpoints: the critic, its optimiser, the outcomes, the counts, and each copy's
    /// states still waiting for their outcome (so a resumed learner labels them as the
    /// uninterrupted one would).
    public func tensors() -> [NamedTensor] {
        let name = FallRiskNetwork.prefix
        var state = CheckpointState(critic.namedTensors().map(NamedTensor.init(parameter:)))
        state.add(critic.optimiserState, prefix: "\(name).adam")
        state.add("\(name).positives", [Float(positives)])
        state.add("\(name).normalised", [normalised ? 1 : 0])
        // Keys as 16-bit halves: a Float holds whole numbers exactly only up to 2^24.
        let copies = pending.keys.sorted(by: Self.order)
        state.add("\(name).pending.copies", copies.flatMap { key in
            let copy = pending[key]!
            return [key.worker, key.copy, copy.nextSegment, UInt32(copy.nextEpisode >> 32), UInt32(copy.nextEpisode & 0xFFFF_FFFF)].flatMap(Self.halves)
                + [Float(copy.idleFits)]
        })
        state.add("\(name).pending.counts", copies.map { Float(pending[$0]!.states.count) })
        state.add("\(name).pending.states", copies.flatMap { pending[$0]!.states.joined() })
        state.add("\(name).pending.marked", copies.map { Float(pending[$0]!.marked) })
        return state.tensors + outcomes.tensors(prefix: "\(name).outcomes")
    }

    public func restore(from tensors: [NamedTensor]) throws {
        let name = FallRiskNetwork.prefix
        let state = CheckpointState(tensors)
        do {
            try critic.load(tensors.filter { $0.name.hasPrefix(name + ".") }.map { ($0.name, $0.tensor.shape, $0.tensor.data) })
        } catch let error as ParameterLoadError {
            throw WireError.invalidField("checkpoint.state.\(name)", reason: "\(error)")
        }
        try state.restore(critic.optimiserState, prefix: "\(name).adam")
        try outcomes.restore(from: tensors, prefix: "\(name).outcomes")
        positives = try state.count("\(name).positives")
        normalised = try state.values("\(name).normalised").first == 1
        let (keys, counts, states) = (try state.values("\(name).pending.copies"), try state.values("\(name).pending.counts"), try state.values("\(name).pending.states"))
        let dim = critic.observationDim
        let width = 11
        let rows = counts.map { $0.isFinite && $0 >= 0 && $0 <= 1e6 && $0 == $0.rounded() ? Int($0) : -1 }
        guard keys.count == width * counts.count, counts.count <= Self.maxCopies, rows.allSatisfy({ $0 >= 0 }),
            rows.reduce(0, +) * dim == states.count, keys.allSatisfy({ $0 >= 0 && $0 < 65536 && $0 == $0.rounded() })
        else {
            throw WireError.invalidField("checkpoint.state.\(name).pending", reason: "does not describe up to \(Self.maxCopies) copies' waiting states of \(dim) values")
        }
        // Absent from checkpoints written before outcomes waited their turn: nothing was marked.
        let marked = state.has("\(name).pending.marked") ? try state.values("\(name).pending.marked") : [Float](repeating: 0, count: rows.count)
        guard marked.count == rows.count, zip(marked, rows).allSatisfy({ $0 >= 0 && $0 == $0.rounded() && Int($0) <= $1 }) else {
            throw WireError.invalidField("checkpoint.state.\(name).pending.marked", reason: "needs, per copy, a whole number of its waiting states")
        }
        pending.removeAll()
        var offset = 0
        for (index, count) in rows.enumerated() {
            let word = { (field: Int) in UInt32(keys[width * index + 2 * field]) << 16 | UInt32(keys[width * index + 2 * field + 1]) }
            // A run resumed with a shorter horizon keeps each copy's newest states.
            let kept = (max(0, count - horizon)..<count).map { row in Array(states[(offset + row * dim)..<(offset + (row + 1) * dim)]) }
            pending[CopyKey(worker: word(0), copy: word(1))] = Pending(
                nextSegment: word(2), nextEpisode: UInt64(word(3)) << 32 | UInt64(word(4)), idleFits: Int(keys[width * index + 10]), states: kept,
                marked: max(0, Int(marked[index]) - (count - kept.count)))
            offset += count * dim
        }
    }

    private static func order(_ a: CopyKey, _ b: CopyKey) -> Bool { (a.worker, a.copy) < (b.worker, b.copy) }

    private static func halves(_ value: UInt32) -> [Float] { [Float(value >> 16), Float(value & 0xFFFF)] }
}
