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
    private var inputs: [Float] = []
    private var targets: [Float] = []
    private var indices: [Int32] = []
    private var outputGradient: [Float] = []
    /// Steps skipped because the loss or a gradient was not finite.
    public private(set) var nonfiniteUpdates = 0

    public init(policy: PolicyNetwork, learningRate: Float, batchSize: Int, maxGradientNorm: Float = 10) {
        self.policy = policy
        self.batchSize = batchSize
        self.maxGradientNorm = maxGradientNorm
        optimiser = Adam(parameterCount: policy.mlp.parameters.count, learningRate: learningRate)
    }

    /// `steps` minibatch updates on rows drawn uniformly from `dataset`; returns the mean loss.
    public func fit(_ dataset: LabelledDataset, steps: Int, random: inout RandomSource) -> Float {
        guard dataset.count > 0, steps > 0 else { return .nan }
        let batch = min(batchSize, dataset.count)
        let (dim, labelDim, outputs) = (dataset.observationDim, dataset.labelDim, policy.outputSize)
        var raw = [Float](repeating: 0, count: batch * dim)
        inputs = [Float](repeating: 0, count: batch * dim)
        targets = [Float](repeating: 0, count: batch * labelDim)
        indices = [Int32](repeating: 0, count: batch)
        outputGradient = [Float](repeating: 0, count: batch * outputs)
        var total: Float = 0, finite = 0
        for _ in 0..<steps {
            for row in 0..<batch {
                let pick = Int(random.next() % UInt64(dataset.count))
                for column in 0..<dim { raw[row * dim + column] = dataset.observations[pick * dim + column] }
                for column in 0..<labelDim { targets[row * labelDim + column] = dataset.labels[pick * labelDim + column] }
            }
            raw.withUnsafeBufferPointer { source in inputs.withUnsafeMutableBufferPointer { policy.normalise(source, into: $0) } }
            let loss = step(batch: batch)
            if loss.isFinite { (total, finite) = (total + loss, finite + 1) } else { nonfiniteUpdates += 1 }
        }
        return finite > 0 ? total / Float(finite) : .nan
    }

    private func step(batch: Int) -> Float {
        let (head, outputs) = (policy.head, policy.outputSize)
        if head == .categorical { for row in 0..<batch { indices[row] = Int32(targets[row]) } }
        return inputs.withUnsafeBufferPointer { x in
            policy.mlp.supervisedStep(x, batch: batch, optimiser: optimiser, maxGradientNorm: maxGradientNorm, gradient: &outputGradient) { output, gradient in
                switch head {
                case .categorical:
                    return indices.withUnsafeBufferPointer { CategoricalHead.crossEntropy(logits: output, labels: $0, actions: outputs, gradient: gradient) }
                case .gaussian:
                    return targets.withUnsafeBufferPointer { Losses.meanSquaredError(predictions: output, targets: $0, batch: batch, gradient: gradient) }
                }
            }
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
