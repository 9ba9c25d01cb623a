/// Spectral normalisation of one weight matrix (Miyato et al., 2018): the layer uses
/// W / σ(W), with σ the largest singular value estimated by one power-iteration step per
/// training forward pass. As in the paper, u and v are constants for the gradient:
/// with Ŵ = W/σ and σ = uᵀWv, dL/dW = (dL/dŴ − ⟨dL/dŴ, Ŵ⟩ · u vᵀ) / σ.
struct SpectralNorm {
    let outputs: Int
    let inputs: Int
    var u: [Float]
    var v: [Float]
    private(set) var sigma: Float = 1
    /// Ŵ, what the layer multiplies with.
    var normalised: [Float]
    /// dL/dŴ of the last backward pass, before it is turned into dL/dW.
    var normalisedGradient: [Float]

    init(outputs: Int, inputs: Int, random: inout RandomSource) {
        self.outputs = outputs
        self.inputs = inputs
        u = Self.unit((0..<outputs).map { _ in random.nextGaussian() })
        v = [Float](repeating: 0, count: inputs)
        normalised = [Float](repeating: 0, count: outputs * inputs)
        normalisedGradient = normalised
    }

    private static func unit(_ vector: [Float]) -> [Float] {
        let norm = max(vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return vector.map { $0 / norm }
    }

    /// Refreshes Ŵ from W; with `iterate`, first moves u and v one power-iteration step.
    mutating func refresh(weight: UnsafePointer<Float>, iterate: Bool) {
        if iterate {
            var next = [Float](repeating: 0, count: inputs)
            for row in 0..<outputs {
                for column in 0..<inputs { next[column] += weight[row * inputs + column] * u[row] }
            }
            v = Self.unit(next)
            var image = [Float](repeating: 0, count: outputs)
            for row in 0..<outputs {
                for column in 0..<inputs { image[row] += weight[row * inputs + column] * v[column] }
            }
            u = Self.unit(image)
        }
        var estimate: Float = 0
        for row in 0..<outputs {
            var dot: Float = 0
            for column in 0..<inputs { dot += weight[row * inputs + column] * v[column] }
            estimate += u[row] * dot
        }
        sigma = max(estimate, 1e-12)
        for index in normalised.indices { normalised[index] = weight[index] / sigma }
    }

    /// Adds dL/dW, from `normalisedGradient`, into `gradient`.
    func accumulate(into gradient: UnsafeMutablePointer<Float>) {
        var projection: Float = 0
        for index in normalised.indices { projection += normalisedGradient[index] * normalised[index] }
        for row in 0..<outputs {
            for column in 0..<inputs {
                let index = row * inputs + column
                gradient[index] += (normalisedGradient[index] - projection * u[row] * v[column]) / sigma
            }
        }
    }
}
