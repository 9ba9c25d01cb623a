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

    /// For checkpoints: every Double (count, means, variances) as three floats holding 22
    /// bits of its bit pattern each, so a resumed run continues with exactly these values.
    public var state: [Float] { ([count] + mean + variance).flatMap(Self.exactFloats) }

    public init?(state: [Float], columns: Int) {
        guard state.count == 3 * (1 + 2 * columns), let values = Self.doubles(fromExactFloats: state),
            values[0] > 0, values.allSatisfy(\.isFinite)
        else { return nil }
        count = values[0]
        mean = Array(values[1...columns])
        variance = Array(values[(columns + 1)...])
        guard variance.allSatisfy({ $0 >= 0 }) else { return nil }
    }

    static func exactFloats(_ value: Double) -> [Float] {
        let bits = value.bitPattern
        return [Float(bits >> 44), Float((bits >> 22) & 0x3F_FFFF), Float(bits & 0x3F_FFFF)]
    }

    static func doubles(fromExactFloats floats: [Float]) -> [Double]? {
        var values: [Double] = []
        for start in stride(from: 0, to: floats.count, by: 3) {
            let parts = floats[start..<(start + 3)]
            guard parts.allSatisfy({ $0 >= 0 && $0 < 4_194_304 && $0 == $0.rounded() }) else { return nil }
            let words = parts.map { UInt64($0) }
            values.append(Double(bitPattern: words[0] << 44 | words[1] << 22 | words[2]))
        }
        return values
    }
}
