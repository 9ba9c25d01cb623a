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
        let classes = network.outputSize
        return inputs.withUnsafeBufferPointer { x in
            network.supervisedStep(x, batch: labels.count, optimiser: optimiser, gradient: &gradient) { logits, gradient in
                labels.withUnsafeBufferPointer { CategoricalHead.crossEntropy(logits: logits, labels: $0, actions: classes, gradient: gradient) }
            }
        }
    }
}
