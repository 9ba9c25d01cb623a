import NexusNN
import NexusWire

/// The learner's side of MEGA-DAgger's world model: real transitions (s, a, s′) from the
/// segments, one in ten held out, and a `WorldModelEnsemble` fitted to the rest with
/// bootstrapped minibatches (each member draws its own rows, with replacement, so the members
/// see different data and disagree where data is thin). Normalisation is fixed from the
/// transitions at the first fit. Pure: no I/O.
public final class WorldModelTrainer {
    public let ensemble: WorldModelEnsemble
    /// (s ‖ a) → s′; the same bounded store as the expert's labels.
    public private(set) var transitions: LabelledDataset
    public private(set) var heldOut: LabelledDataset
    public let batchSize: Int
    private var normalised = false
    private var seen = 0

    public init(ensemble: WorldModelEnsemble, capacity: Int, batchSize: Int, seed: UInt64) {
        self.ensemble = ensemble
        let width = ensemble.observationDim + ensemble.actionDim
        transitions = LabelledDataset(observationDim: width, labelDim: ensemble.observationDim, capacity: capacity, seed: seed)
        heldOut = LabelledDataset(observationDim: width, labelDim: ensemble.observationDim, capacity: max(1, capacity / 10), seed: seed &+ 1)
        self.batchSize = batchSize
    }

    /// Takes every step of a segment: the observation, the action executed, and the next
    /// observation (the episode's final one where the step ended it).
    public func add(_ segment: TrajectorySegment) {
        let (dim, actionDim) = (ensemble.observationDim, ensemble.actionDim)
        guard segment.observations.columns == dim, segment.actions.columns == actionDim else { return }
        var finals: [Int: Int] = [:]
        for (row, step) in segment.finalObservationSteps.enumerated() { finals[Int(step)] = row }
        for step in 0..<segment.stepCount {
            let next = finals[step].map { segment.finalObservations.row($0) } ?? segment.observations.row(step + 1)
            let input = Array(segment.observations.row(step)) + Array(segment.actions.row(step))
            if seen % 10 == 9 { heldOut.append(observation: input, label: next) } else { transitions.append(observation: input, label: next) }
            seen += 1
        }
    }

    /// `steps` bootstrapped updates of every member, rows drawn from `random`; returns the
    /// members' mean loss (normalised units), NaN before any data. The draws are made first,
    /// in the order one thread would make them; then, with `lanes` open, half the members
    /// train on its helper thread and the rest here, so the result does not depend on it.
    /// `alongside` (independent work: the policy's update) runs on the lane with fewer members.
    @discardableResult
    public func fit(steps: Int, random: inout RandomSource, lanes: PairedThreads = .sequential, alongside: @escaping () -> Void = {}) -> Float {
        guard transitions.count > 0, steps > 0 else {
            lanes.run({}, alongside)
            return .nan
        }
        if !normalised { fixNormalisation() }
        let batch = min(batchSize, transitions.count)
        let count = ensemble.members.count
        var picks = [Int](repeating: 0, count: steps * count * batch)
        for index in picks.indices { picks[index] = Int(random.next() % UInt64(transitions.count)) }
        var losses = [Float](repeating: 0, count: count)
        // Read once: each access of a class's stored property is an exclusivity check.
        let (transitions, dims) = (self.transitions, (ensemble.observationDim, ensemble.actionDim))
        picks.withUnsafeBufferPointer { picks in
            losses.withUnsafeMutableBufferPointer { buffer in
                let (picks, out) = (picks, buffer)
                let train = { [ensemble] (first: Int) in
                    for member in stride(from: first, to: count, by: 2) {
                        var drawn = SplitRows(count: batch, dims: dims)
                        for step in 0..<steps {
                            drawn.gather(picks[((step * count + member) * batch)..<((step * count + member + 1) * batch)], from: transitions)
                            out[member] += ensemble.train(member: member, observations: drawn.observations, actions: drawn.actions, nextObservations: drawn.next, batch: batch)
                        }
                    }
                }
                lanes.run({ train(0) }, {
                    train(1)
                    alongside()
                })
            }
        }
        return losses.reduce(0, +) / Float(steps * count)
    }

    /// Rows of a transition store ((s ‖ a) → s′) split into the model's inputs and targets.
    private struct SplitRows {
        let (observationDim, actionDim): (Int, Int)
        var observations: [Float], actions: [Float], next: [Float]
        init(count: Int, dims: (Int, Int)) {
            (observationDim, actionDim) = dims
            observations = [Float](repeating: 0, count: count * observationDim)
            actions = [Float](repeating: 0, count: count * actionDim)
            next = observations
        }

        /// Copies the store's `rows` in, in order.
        mutating func gather(_ rows: some Sequence<Int>, from store: LabelledDataset) {
            let (dim, width) = (observationDim, observationDim + actionDim)
            for (row, pick) in rows.enumerated() {
                for column in 0..<dim {
                    observations[row * dim + column] = store.observations[pick * width + column]
                    next[row * dim + column] = store.labels[pick * dim + column]
                }
                for column in 0..<actionDim { actions[row * actionDim + column] = store.observations[pick * width + dim + column] }
            }
        }
    }

    /// The held-out rows split into the model's inputs and targets.
    private func heldOutRows() -> SplitRows {
        var rows = SplitRows(count: heldOut.count, dims: (ensemble.observationDim, ensemble.actionDim))
        rows.gather(0..<heldOut.count, from: heldOut)
        return rows
    }

    /// Per row: the mean absolute error of the normalised change, over dimensions.
    private func rowErrors(predicted: [Float], next: [Float], rows: Int) -> [Double] {
        let dim = ensemble.observationDim
        return (0..<rows).map { row in
            (0..<dim).reduce(0.0) { sum, column in sum + Double(abs(predicted[row * dim + column] - next[row * dim + column]) * ensemble.deltaScale[column]) } / Double(dim)
        }
    }

    private func fixNormalisation() {
        let (input, inputScale) = transitions.normalisation(minimumStd: 1e-3)
        let dim = ensemble.observationDim
        var deltas = LabelledDataset(observationDim: dim, labelDim: 1, capacity: transitions.count)
        for row in 0..<transitions.count {
            let delta = (0..<dim).map { transitions.labels[row * dim + $0] - transitions.observations[row * (dim + ensemble.actionDim) + $0] }
            deltas.append(observation: delta, label: [0])
        }
        let (deltaShift, deltaScale) = deltas.normalisation(minimumStd: 1e-4)
        ensemble.setNormalisation(inputShift: input, inputScale: inputScale, deltaShift: deltaShift, deltaScale: deltaScale)
        normalised = true
    }

    /// On the held-out transitions: the mean absolute error of the normalised change (averaged
    /// over dimensions), Pearson's r between each row's disagreement and its error (how well the
    /// gate's score predicts where the model is wrong), and per observation dimension the 90th
    /// percentile of the one-step prediction's absolute error (raw units: the lookahead's
    /// margin). NaN and no margin without data.
    public func evaluate() -> (error: Double, correlation: Double, margin: [Float]) {
        let rows = heldOut.count
        guard rows > 1, normalised else { return (.nan, .nan, []) }
        let dim = ensemble.observationDim
        let probe = heldOutRows()
        let (predicted, disagreement) = ensemble.predict(observations: probe.observations, actions: probe.actions, batch: rows)
        let errors = rowErrors(predicted: predicted, next: probe.next, rows: rows)
        let margin = (0..<dim).map { column in
            let raw = (0..<rows).map { abs(predicted[$0 * dim + column] - probe.next[$0 * dim + column]) }.sorted()
            return raw[min(rows - 1, rows * 9 / 10)]
        }
        return (errors.reduce(0, +) / Double(rows), Statistics.pearson(disagreement.map(Double.init), errors), margin)
    }

    /// For checkpoints: the datasets and the normalisation flag (the ensemble travels as a model).
    public func tensors() -> [NamedTensor] {
        transitions.tensors(prefix: "world_model.transitions") + heldOut.tensors(prefix: "world_model.held_out")
            + [NamedTensor(name: "world_model.seen", tensor: Tensor(shape: [1], data: [Float(seen)]))]
    }

    public func restore(from tensors: [NamedTensor]) throws {
        try transitions.restore(from: tensors, prefix: "world_model.transitions")
        try heldOut.restore(from: tensors, prefix: "world_model.held_out")
        seen = try CheckpointState(tensors).count("world_model.seen")
        normalised = transitions.count > 0
    }
}

enum Statistics {
    /// Pearson's r; NaN when either side is constant.
    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard x.count == y.count, x.count > 1 else { return .nan }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        guard sxx > 0, syy > 0 else { return .nan }
        return sxy / (sxx * syy).squareRoot()
    }
}
