extension MLP {
    /// One supervised step: forward on `batch` rows of `inputs`; `loss` reads the output and
    /// writes d loss / d output into its second argument (sized `batch × outputSize`),
    /// returning the loss; backward; optional global-norm clipping; one step of `optimiser`.
    /// Classification, regression of a policy's mean and world-model training are this step
    /// with different losses. `gradient` is the caller's buffer, resized when the batch is.
    /// A non-finite loss or gradient skips the optimiser step (the parameters stay as they
    /// were, the last good ones); the returned loss is then non-finite, for the caller to count.
    @discardableResult
    public func supervisedStep(
        _ inputs: UnsafeBufferPointer<Float>, batch: Int, optimiser: Adam, maxGradientNorm: Float? = nil, gradient: inout [Float],
        loss: (_ output: UnsafeBufferPointer<Float>, _ gradient: UnsafeMutableBufferPointer<Float>) -> Float
    ) -> Float {
        if gradient.count != batch * outputSize { gradient = [Float](repeating: 0, count: batch * outputSize) }
        forward(inputs, batch: batch)
        let value = withOutput { output in gradient.withUnsafeMutableBufferPointer { loss(output, $0) } }
        parameters.zeroGradients()
        backward(gradient)
        let norm = GradientClipping.clipGlobalNorm(parameters, maxNorm: maxGradientNorm ?? .infinity)
        guard value.isFinite, norm.isFinite else { return value.isFinite ? .nan : value }
        optimiser.update(parameters)
        return value
    }
}
