/// An exponential moving average of a network's parameters over its optimiser's steps
/// (Polyak averaging; what TensorFlow's `ExponentialMovingAverage` keeps). The iterate of a
/// constant-rate Adam wanders around the minimum by the last few minibatches' noise; the
/// average sits nearer it, and a policy executing it deterministically strays less.
/// The decay warms up as `min(decay, (1 + t) / (10 + t))` so early averages do not hold the
/// initial weights.
public struct WeightAverage: Sendable, Equatable {
    public let decay: Float
    public private(set) var values: [Float]
    public private(set) var updates: Int

    /// An average starting at `initial` (weight 1 until the first update).
    public init(decay: Float, initial: [Float], updates: Int = 0) {
        precondition((0..<1).contains(decay), "decay must be in [0, 1)")
        self.decay = decay
        values = initial
        self.updates = updates
    }

    /// The decay the next update uses.
    public var currentDecay: Float { min(decay, Float(1 + updates) / Float(10 + updates)) }

    /// Moves the average toward `current` (the parameters after one more step).
    public mutating func update(with current: [Float]) {
        precondition(current.count == values.count, "parameter count changed")
        let keep = currentDecay
        let take = 1 - keep
        current.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { average in
                for index in 0..<average.count { average[index] = keep * average[index] + take * source[index] }
            }
        }
        updates += 1
    }
}
