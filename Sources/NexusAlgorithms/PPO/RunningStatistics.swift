/// Running mean and variance per column, merged batch by batch (Chan et al.'s parallel
/// update), as Stable-Baselines3's VecNormalize keeps them. Starts from a tiny pseudo-count
/// with mean 0 and variance 1, so the first batch dominates at once.
public struct RunningStatistics: Sendable, Equatable {
    public private(set) var count: Double
    public private(set) var mean: [Double]
    public private(set) var variance: [Double]

    public init(columns: Int, count: Double = 1e-4) {
        self.count = count
        mean = [Double](repeating: 0, count: columns)
        variance = [Double](repeating: 1, count: columns)
    }

    public var columns: Int { mean.count }

    /// Folds in `rows` rows of `values` (`[rows, columns]`).
    public mutating func update(_ values: [Float], rows: Int) {
        guard rows > 0 else { return }
        let columns = self.columns
        precondition(values.count == rows * columns, "\(values.count) values are not \(rows)×\(columns)")
        var batchMean = [Double](repeating: 0, count: columns), batchVariance = batchMean
        for row in 0..<rows { for column in 0..<columns { batchMean[column] += Double(values[row * columns + column]) } }
        for column in 0..<columns { batchMean[column] /= Double(rows) }
        for row in 0..<rows {
            for column in 0..<columns {
                let difference = Double(values[row * columns + column]) - batchMean[column]
                batchVariance[column] += difference * difference
            }
        }
        let total = count + Double(rows)
        for column in 0..<columns {
            batchVariance[column] /= Double(rows)
            let delta = batchMean[column] - mean[column]
            let combined = variance[column] * count + batchVariance[column] * Double(rows) + delta * delta * count * Double(rows) / total
            mean[column] += delta * Double(rows) / total
            variance[column] = combined / total
        }
        count = total
    }

    /// Shift and scale that map a value to (x − mean)/√(variance + ε).
    public func normalisation(epsilon: Double = 1e-8) -> (shift: [Float], scale: [Float]) {
        (mean.map { Float($0) }, variance.map { Float(1 / ($0 + epsilon).squareRoot()) })
    }

    /// As three tensors' worth of values, for checkpoints.
    public var state: [Float] { [Float(count)] + mean.map { Float($0) } + variance.map { Float($0) } }

    public init?(state: [Float], columns: Int) {
        guard state.count == 1 + 2 * columns, state.allSatisfy(\.isFinite), state[0] > 0 else { return nil }
        count = Double(state[0])
        mean = state[1...columns].map(Double.init)
        variance = state[(columns + 1)...].map(Double.init)
        guard variance.allSatisfy({ $0 >= 0 }) else { return nil }
    }
}
