import NexusNN
import NexusRandom
import NexusWire

/// Observations with the expert's labels: DAgger's aggregated dataset and BC's demonstrations.
/// Every label was paid for with an expert query, so none is overwritten for being old. Up to
/// `capacity` rows are kept as they arrive; past it the bound is reservoir sampling (Vitter's
/// algorithm R): the n-th label takes a uniformly drawn row with probability capacity / n, so
/// the rows stay a uniform sample of every label received and the first, expert-driven
/// iterations keep their share (a ring kept only the newest). Memory stays fixed however
/// long a run goes; `discarded` says how many labels the bound cost.
public struct LabelledDataset: Sendable, Equatable {
    public let observationDim: Int
    public let labelDim: Int
    public let capacity: Int
    /// Seeds the reservoir's draws; the draw for the n-th label depends only on (seed, n), so a
    /// resumed dataset continues exactly from its rows and `added`.
    public let seed: UInt64
    public private(set) var observations: [Float] = []
    public private(set) var labels: [Float] = []
    /// Labels ever received.
    public private(set) var added = 0

    public init(observationDim: Int, labelDim: Int, capacity: Int, seed: UInt64 = 0) {
        precondition(observationDim > 0 && labelDim > 0 && capacity > 0, "dataset dimensions and capacity must be positive")
        self.observationDim = observationDim
        self.labelDim = labelDim
        self.capacity = capacity
        self.seed = seed
    }

    public var count: Int { min(added, capacity) }

    /// `batch` rows drawn uniformly with replacement (one draw of `random` a row) into
    /// `observations` (`[batch, observationDim]`) and `labels` (`[batch, labelDim]`), which
    /// must be that large.
    public func draw(_ batch: Int, random: inout RandomSource, observations drawn: inout [Float], labels drawnLabels: inout [Float]) {
        precondition(count > 0 && drawn.count >= batch * observationDim && drawnLabels.count >= batch * labelDim, "draws need rows and room")
        for row in 0..<batch {
            let pick = Int(random.next() % UInt64(count))
            drawn.replaceSubrange((row * observationDim)..<((row + 1) * observationDim), with: observations[(pick * observationDim)..<((pick + 1) * observationDim)])
            drawnLabels.replaceSubrange((row * labelDim)..<((row + 1) * labelDim), with: labels[(pick * labelDim)..<((pick + 1) * labelDim)])
        }
    }

    /// Labels received that the bound left out of the rows.
    public var discarded: Int { added - count }

    /// The bound, as the summary names it.
    public var boundDescription: String { "reservoir sample of \(capacity) rows" }

    public mutating func append(observation: some Collection<Float>, label: some Collection<Float>) {
        precondition(observation.count == observationDim && label.count == labelDim, "dataset row has the wrong size")
        if added < capacity {
            observations.append(contentsOf: observation)
            labels.append(contentsOf: label)
        } else if let row = reservoirRow(forLabel: added) {
            observations.replaceSubrange((row * observationDim)..<((row + 1) * observationDim), with: observation)
            labels.replaceSubrange((row * labelDim)..<((row + 1) * labelDim), with: label)
        }
        added += 1
    }

    /// Where label number `index` (0-based, ≥ capacity) goes: a uniform draw from 0...index,
    /// kept when it falls on a row.
    private func reservoirRow(forLabel index: Int) -> Int? {
        var random = RandomSource(seed: seed ^ UInt64(index))
        let draw = Int(random.next() % UInt64(index + 1))
        return draw < capacity ? draw : nil
    }

    /// Adds the expert-labelled steps of a segment; returns how many.
    @discardableResult
    public mutating func append(labelledStepsOf segment: TrajectorySegment) -> Int {
        guard let expert = segment.expertActions else { return 0 }
        var taken = 0
        for step in 0..<segment.stepCount where segment.expertMask[step] {
            append(observation: segment.observations.row(step), label: expert.row(step))
            taken += 1
        }
        return taken
    }

    /// Per-column mean and 1/std (std floored, so a constant column does not explode).
    public func normalisation(minimumStd: Float = 1e-2) -> (shift: [Float], scale: [Float]) {
        let rows = count
        guard rows > 0 else { return ([Float](repeating: 0, count: observationDim), [Float](repeating: 1, count: observationDim)) }
        var mean = [Double](repeating: 0, count: observationDim)
        var square = mean
        for row in 0..<rows {
            for column in 0..<observationDim {
                let value = Double(observations[row * observationDim + column])
                mean[column] += value
                square[column] += value * value
            }
        }
        var shift = [Float](), scale = [Float]()
        for column in 0..<observationDim {
            let m = mean[column] / Double(rows)
            let variance = max(0, square[column] / Double(rows) - m * m)
            shift.append(Float(m))
            scale.append(1 / max(Float(variance.squareRoot()), minimumStd))
        }
        return (shift, scale)
    }

    /// The dataset as tensors, for checkpoints.
    public func tensors(prefix: String) -> [NamedTensor] {
        [
            NamedTensor(name: prefix + ".observations", tensor: Tensor(rows: count, columns: observationDim, data: observations)),
            NamedTensor(name: prefix + ".labels", tensor: Tensor(rows: count, columns: labelDim, data: labels)),
            NamedTensor(name: prefix + ".added", tensor: Tensor(shape: [1], data: [Float(added)])),
        ]
    }

    /// Restores what `tensors(prefix:)` saved.
    public mutating func restore(from state: [NamedTensor], prefix: String) throws {
        func find(_ name: String) throws -> Tensor {
            guard let tensor = state.first(where: { $0.name == prefix + name })?.tensor else {
                throw WireError.missingField("checkpoint.state.\(prefix)\(name)")
            }
            return tensor
        }
        let observations = try find(".observations"), labels = try find(".labels"), added = try find(".added")
        // The rows must be exactly what this capacity holds after `added` labels (a run resumed
        // with another dataset_capacity would index past the end), and `added` a count that
        // converts without trapping.
        guard observations.columns == observationDim, labels.columns == labelDim, observations.rows == labels.rows,
            let total = added.data.first, total.isFinite, total >= 0, total < 1e15, observations.rows == min(Int(total), capacity)
        else {
            throw WireError.invalidField("checkpoint.state.\(prefix)", reason: "dataset shapes do not fit this run (\(observationDim) observations, \(labelDim) labels, capacity \(capacity))")
        }
        self.observations = observations.data
        self.labels = labels.data
        self.added = Int(total)
    }
}

extension Tensor {
    /// Row `index` of a matrix.
    func row(_ index: Int) -> ArraySlice<Float> { data[(index * columns)..<((index + 1) * columns)] }
}
