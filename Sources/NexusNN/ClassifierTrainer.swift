/// Supervised training of a network whose outputs are the logits of a categorical
/// distribution: forward, cross-entropy, backward, Adam. Behaviour cloning of a discrete-action
/// expert is exactly this. Buffers are kept per batch size.
public final class ClassifierTrainer {
    public let network: MLP
    public let optimiser: Adam
    private var gradient: [Float] = []

    public init(network: MLP, learningRate: Float) {
        self.network = network
        optimiser = Adam(parameterCount: network.parameters.count, learningRate: learningRate)
    }

    /// One Adam step on `labels.count` rows of `inputs`; returns the mean cross-entropy.
    @discardableResult
    public func step(inputs: [Float], labels: [Int32]) -> Float {
        let batch = labels.count
        let classes = network.outputSize
        if gradient.count != batch * classes { gradient = [Float](repeating: 0, count: batch * classes) }
        network.forward(inputs, batch: batch)
        let loss = network.withOutput { logits in
            labels.withUnsafeBufferPointer { y in
                gradient.withUnsafeMutableBufferPointer { CategoricalHead.crossEntropy(logits: logits, labels: y, actions: classes, gradient: $0) }
            }
        }
        network.parameters.zeroGradients()
        network.backward(gradient)
        optimiser.update(network.parameters)
        return loss
    }
}
