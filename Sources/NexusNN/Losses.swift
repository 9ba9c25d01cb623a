/// Regression loss for value functions and world models.
public enum Losses {
    /// Mean over the batch of the squared error summed over outputs, ½·Σ(p − t)², with its
    /// gradient (divided by the batch size) written into `gradient`.
    @discardableResult
    public static func meanSquaredError(
        predictions: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>, batch: Int,
        gradient: UnsafeMutableBufferPointer<Float>
    ) -> Float {
        precondition(predictions.count == targets.count && gradient.count == targets.count, "mean squared error: sizes differ")
        let scale = 1 / Float(batch)
        var loss: Float = 0
        for index in predictions.indices {
            let difference = predictions[index] - targets[index]
            loss += 0.5 * difference * difference
            gradient[index] = difference * scale
        }
        return loss * scale
    }
}
