/// How a weight matrix `[outputs, inputs]` starts.
public enum Initialisation: Sendable, Equatable {
    /// Orthonormal rows or columns (whichever are fewer) scaled by `gain`.
    case orthogonal(gain: Float)
    /// U(-1/√inputs, 1/√inputs), PyTorch's default for linear layers.
    case uniform

    func matrix(outputs: Int, inputs: Int, random: inout RandomSource) -> [Float] {
        switch self {
        case .uniform:
            let bound = 1 / Float(inputs).squareRoot()
            return (0..<(outputs * inputs)).map { _ in random.nextFloat(in: -bound...bound) }
        case .orthogonal(let gain):
            return Self.orthogonal(outputs: outputs, inputs: inputs, gain: gain, random: &random)
        }
    }

    /// Modified Gram–Schmidt on Gaussian vectors, in double precision.
    private static func orthogonal(outputs: Int, inputs: Int, gain: Float, random: inout RandomSource) -> [Float] {
        let vectors = min(outputs, inputs)
        let length = max(outputs, inputs)
        var basis: [[Double]] = []
        while basis.count < vectors {
            var vector = (0..<length).map { _ in Double(random.nextGaussian()) }
            for existing in basis {
                let projection = zip(vector, existing).reduce(0) { $0 + $1.0 * $1.1 }
                for index in vector.indices { vector[index] -= projection * existing[index] }
            }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 1e-6 else { continue }
            basis.append(vector.map { $0 / norm })
        }
        var matrix = [Float](repeating: 0, count: outputs * inputs)
        for row in 0..<outputs {
            for column in 0..<inputs {
                // Rows are the basis vectors when outputs <= inputs, columns otherwise.
                let value = outputs <= inputs ? basis[row][column] : basis[column][row]
                matrix[row * inputs + column] = Float(value) * gain
            }
        }
        return matrix
    }
}
