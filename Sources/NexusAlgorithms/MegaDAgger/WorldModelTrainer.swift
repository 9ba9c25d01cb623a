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
    /// members' mean loss (normalised units), NaN before any data.
    @discardableResult
    public func fit(steps: Int, random: inout RandomSource) -> Float {
        guard transitions.count > 0, steps > 0 else { return .nan }
        if !normalised { fixNormalisation() }
        let (dim, width) = (ensemble.observationDim, ensemble.observationDim + ensemble.actionDim)
        let batch = min(batchSize, transitions.count)
        var observations = [Float](repeating: 0, count: batch * dim)
        var actions = [Float](repeating: 0, count: batch * ensemble.actionDim)
        var next = observations
        var total: Float = 0
        for _ in 0..<steps {
            for member in ensemble.members.indices {
                for row in 0..<batch {
                    let pick = Int(random.next() % UInt64(transitions.count))
                    for column in 0..<dim {
                        observations[row * dim + column] = transitions.observations[pick * width + column]
                        next[row * dim + column] = transitions.labels[pick * dim + column]
                    }
                    for column in 0..<ensemble.actionDim { actions[row * ensemble.actionDim + column] = transitions.observations[pick * width + dim + column] }
                }
                total += ensemble.train(member: member, observations: observations, actions: actions, nextObservations: next, batch: batch)
            }
        }
        return total / Float(steps * ensemble.members.count)
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
        let (dim, width, actionDim) = (ensemble.observationDim, ensemble.observationDim + ensemble.actionDim, ensemble.actionDim)
        var observations: [Float] = [], actions: [Float] = []
        observations.reserveCapacity(rows * dim)
        for row in 0..<rows {
            observations += heldOut.observations[(row * width)..<(row * width + dim)]
            actions += heldOut.observations[(row * width + dim)..<(row * width + dim + actionDim)]
        }
        let (predicted, disagreement) = ensemble.predict(observations: observations, actions: actions, batch: rows)
        var errors = [Double](repeating: 0, count: rows)
        var columnErrors = [[Float]](repeating: [], count: dim)
        for row in 0..<rows {
            var sum = 0.0
            for column in 0..<dim {
                let index = row * dim + column
                let raw = abs(predicted[index] - heldOut.labels[index])
                columnErrors[column].append(raw)
                sum += Double(raw * ensemble.deltaScale[column])
            }
            errors[row] = sum / Double(dim)
        }
        let margin = columnErrors.map { column in column.sorted()[min(column.count - 1, column.count * 9 / 10)] }
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
