import NexusNN
import NexusPolicies
import NexusWire

/// Supervised imitation: fits a policy to expert labels by minibatch Adam. Categorical
/// policies minimise cross-entropy against the expert's action index; Gaussian policies
/// regress their mean onto the expert's action (squared error), which is what a
/// deterministic evaluation then executes.
public final class PolicyFitter {
    public let policy: PolicyNetwork
    public let optimiser: Adam
    public let batchSize: Int
    public let maxGradientNorm: Float
    private var raw: [Float] = []
    private var inputs: [Float] = []
    private var targets: [Float] = []
    private var indices: [Int32] = []
    private var outputGradient: [Float] = []
    /// Steps skipped because the loss or a gradient was not finite.
    public private(set) var nonfiniteUpdates = 0
    /// When averaging: the average of the iterates, which the policy holds between fits.
    public private(set) var average: WeightAverage?
    /// When averaging: the optimiser's own iterate, which the next fit continues from.
    public private(set) var trainingWeights: [Float]?
    private let averageDecay: Float

    /// `averageDecay` > 0: between fits the policy holds the exponential average of the
    /// iterates (`WeightAverage`) rather than the last one.
    public init(policy: PolicyNetwork, learningRate: Float, batchSize: Int, maxGradientNorm: Float = 10, averageDecay: Float = 0) {
        self.policy = policy
        self.batchSize = batchSize
        self.maxGradientNorm = maxGradientNorm
        self.averageDecay = averageDecay
        optimiser = Adam(parameterCount: policy.mlp.parameters.count, learningRate: learningRate)
    }

    /// Averaging's state in a checkpoint: the optimiser's iterate and the average's update
    /// count (the average itself is the policy's weights). Nothing when not averaging or
    /// before the first fit.
    public func addAveraging(to state: inout CheckpointState, prefix: String) {
        guard let average, let trainingWeights else { return }
        state.add("\(prefix).iterate", trainingWeights)
        state.add("\(prefix).updates", [Float(average.updates)])
    }

    /// Restores what `addAveraging` wrote, after the policy's weights (the average) are loaded.
    /// A checkpoint without it (written without averaging) starts the average afresh.
    public func restoreAveraging(from state: CheckpointState, prefix: String) throws {
        (average, trainingWeights) = (nil, nil)
        guard averageDecay > 0, state.has("\(prefix).iterate") else { return }
        let iterate = try state.values("\(prefix).iterate")
        let values = policy.mlp.parameters.values
        guard iterate.count == values.count, iterate.allSatisfy(\.isFinite) else {
            throw WireError.invalidField("checkpoint.state.\(prefix).iterate", reason: "\(iterate.count) values for a policy of \(values.count), or not finite")
        }
        average = WeightAverage(decay: averageDecay, initial: values, updates: try state.count("\(prefix).updates"))
        trainingWeights = iterate
    }

    /// `steps` minibatch updates on rows drawn uniformly from `dataset`; returns the mean loss.
    public func fit(_ dataset: LabelledDataset, steps: Int, random: inout RandomSource) -> Float {
        guard dataset.count > 0, steps > 0 else { return .nan }
        let batch = min(batchSize, dataset.count)
        var total: Float = 0, finite = 0
        let parameters = policy.mlp.parameters
        if averageDecay > 0 {
            if let trainingWeights { parameters.values = trainingWeights } else { average = WeightAverage(decay: averageDecay, initial: parameters.values) }
        }
        defer {
            if let average {
                trainingWeights = parameters.values
                parameters.values = average.values
            }
        }
        for _ in 0..<steps {
            draw(batch, from: dataset, random: &random)
            let loss = inputs.withUnsafeBufferPointer { x in
                policy.mlp.supervisedStep(x, batch: batch, optimiser: optimiser, maxGradientNorm: maxGradientNorm, gradient: &outputGradient) { output, gradient in
                    self.loss(output, gradient: gradient, batch: batch)
                }
            }
            if loss.isFinite { (total, finite) = (total + loss, finite + 1) } else { nonfiniteUpdates += 1 }
            average?.update(with: parameters.values)
        }
        return finite > 0 ? total / Float(finite) : .nan
    }

    /// Adds `weight` × the gradient of the loss on one minibatch drawn from `dataset` into the
    /// policy's gradient store, without stepping (the caller's optimiser does, with its own
    /// loss's gradient beside it: PPO's demonstration term). Returns the minibatch's loss.
    public func accumulateGradient(_ dataset: LabelledDataset, weight: Float, random: inout RandomSource) -> Float {
        guard dataset.count > 0 else { return .nan }
        let batch = min(batchSize, dataset.count)
        draw(batch, from: dataset, random: &random)
        if outputGradient.count != batch * policy.outputSize { outputGradient = [Float](repeating: 0, count: batch * policy.outputSize) }
        policy.mlp.forward(inputs, batch: batch)
        let value = policy.mlp.withOutput { output in outputGradient.withUnsafeMutableBufferPointer { loss(output, gradient: $0, batch: batch) } }
        for index in outputGradient.indices { outputGradient[index] *= weight }
        policy.mlp.backward(outputGradient)
        return value
    }

    /// `batch` rows drawn uniformly: normalised observations into `inputs`, labels into `targets`.
    private func draw(_ batch: Int, from dataset: LabelledDataset, random: inout RandomSource) {
        let (dim, labelDim) = (dataset.observationDim, dataset.labelDim)
        if inputs.count != batch * dim {
            inputs = [Float](repeating: 0, count: batch * dim)
            raw = inputs
            targets = [Float](repeating: 0, count: batch * labelDim)
            indices = [Int32](repeating: 0, count: batch)
        }
        dataset.draw(batch, random: &random, observations: &raw, labels: &targets)
        raw.withUnsafeBufferPointer { source in inputs.withUnsafeMutableBufferPointer { policy.normalise(source, into: $0) } }
    }

    /// Cross-entropy against the label's index (categorical) or squared error of the mean
    /// (gaussian); writes d loss / d output.
    private func loss(_ output: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>, batch: Int) -> Float {
        switch policy.head {
        case .categorical:
            for row in 0..<batch { indices[row] = Int32(targets[row]) }
            return indices.withUnsafeBufferPointer { CategoricalHead.crossEntropy(logits: output, labels: $0, actions: policy.outputSize, gradient: gradient) }
        case .gaussian:
            return targets.withUnsafeBufferPointer { Losses.meanSquaredError(predictions: output, targets: $0, batch: batch, gradient: gradient) }
        }
    }

    /// Fraction of rows whose deterministic action matches the label (categorical) or the mean
    /// squared error per row (gaussian), on up to `limit` rows.
    public func agreement(with dataset: LabelledDataset, limit: Int = 2048) -> Float {
        let rows = min(limit, dataset.count)
        guard rows > 0 else { return .nan }
        var actions = [Float](repeating: 0, count: rows * policy.actionDim)
        dataset.observations.withUnsafeBufferPointer { all in
            actions.withUnsafeMutableBufferPointer {
                policy.act(batch: UnsafeBufferPointer(rebasing: all[0..<(rows * dataset.observationDim)]), rows: rows, into: $0)
            }
        }
        switch policy.head {
        case .categorical:
            return Float((0..<rows).filter { actions[$0] == dataset.labels[$0] }.count) / Float(rows)
        case .gaussian:
            var error: Float = 0
            for index in 0..<actions.count { error += (actions[index] - dataset.labels[index]) * (actions[index] - dataset.labels[index]) }
            return error / Float(rows)
        }
    }
}
