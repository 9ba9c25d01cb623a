/// A multi-layer perceptron `sizes[0] → … → sizes.last` with a hidden activation after every
/// layer but the last. Forward and backward reuse buffers sized for the last batch size, so
/// repeated calls at one batch size allocate nothing. Matrix products go to OpenBLAS.
///
/// Weights are `[outputs, inputs]` row-major (as PyTorch stores them): `y = x·Wᵀ + b`.
public final class MLP {
    public let sizes: [Int]
    public let activation: Activation
    public let parameters: ParameterStore
    let layers: [Layer]
    /// Per-layer spectral normalisation state, when enabled (discriminators).
    var spectral: [SpectralNorm]?
    /// Whether training forward passes move the spectral-norm power iteration (turn off for
    /// evaluation, or to hold the estimate still).
    public var updatesSpectralEstimates = true

    struct Layer {
        let inputs: Int
        let outputs: Int
        let weight: Int  // offsets into the parameter store
        let bias: Int
    }

    // Workspace: outputs[0] is a copy of the input, outputs[i + 1] what layer i produced.
    private(set) var batch = 0
    var outputs: [[Float]] = []
    var gradientBuffers: [[Float]] = []

    /// - Parameters:
    ///   - outputGain: orthogonal gain of the last layer (e.g. 0.01 for a policy's logits).
    public init(
        sizes: [Int], activation: Activation = .tanh, name: String = "mlp",
        hiddenInitialisation: Initialisation? = nil, outputInitialisation: Initialisation = .orthogonal(gain: 1),
        spectralNormalisation: Bool = false, random: inout RandomSource, parameters: ParameterStore = ParameterStore()
    ) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "MLP sizes must be positive: \(sizes)")
        self.sizes = sizes
        self.activation = activation
        self.parameters = parameters
        var layers: [Layer] = []
        for (index, (inputs, outputs)) in zip(sizes, sizes.dropFirst()).enumerated() {
            let isLast = index == sizes.count - 2
            let initialisation = isLast ? outputInitialisation : (hiddenInitialisation ?? .orthogonal(gain: activation.gain))
            let matrix = initialisation.matrix(outputs: outputs, inputs: inputs, random: &random)
            let weight = parameters.add("\(name).layer\(index).weight", shape: [outputs, inputs]) { matrix[$0] }
            let bias = parameters.add("\(name).layer\(index).bias", shape: [outputs]) { _ in 0 }
            layers.append(Layer(inputs: inputs, outputs: outputs, weight: weight, bias: bias))
        }
        self.layers = layers
        if spectralNormalisation {
            spectral = layers.map { SpectralNorm(outputs: $0.outputs, inputs: $0.inputs, random: &random) }
            // Start from a converged estimate, as a long-trained network would have.
            for _ in 0..<20 { refreshSpectralNorms(iterate: true) }
        }
    }

    /// σ of each layer's weight, as estimated (nil without spectral normalisation).
    public var spectralNorms: [Float]? { spectral?.map(\.sigma) }

    private func refreshSpectralNorms(iterate: Bool) {
        guard spectral != nil else { return }
        parameters.values.withUnsafeBufferPointer { values in
            for index in layers.indices {
                spectral![index].refresh(weight: values.baseAddress! + layers[index].weight, iterate: iterate)
            }
        }
    }

    /// The matrix a layer multiplies with: its weight, or Ŵ = W/σ under spectral normalisation.
    func withLayerWeight<R>(_ index: Int, values: UnsafeBufferPointer<Float>, _ body: (UnsafePointer<Float>) -> R) -> R {
        if spectral != nil {
            return spectral![index].normalised.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
        return body(values.baseAddress! + layers[index].weight)
    }

    public var inputSize: Int { sizes[0] }
    public var outputSize: Int { sizes[sizes.count - 1] }
    /// The layer widths of an architecture's "A-B-…-Z" word, nil unless every part is a whole
    /// number (bounds are each reader's own).
    public static func layerSizes(_ word: some StringProtocol) -> [Int]? {
        let parts = word.split(separator: "-")
        let sizes = parts.compactMap { Int($0) }
        return sizes.count == parts.count ? sizes : nil
    }

    /// Layers a world model or fall-risk critic received from a peer may have at most (each
    /// costs the worker a product a step).
    public static let maxReceivedLayers = 16

    /// Weights and biases of an MLP with these layer widths, or nil when the count overflows
    /// (or passes 2^30): checked before anything is allocated for sizes read from a peer.
    public static func parameterCount(sizes: [Int]) -> Int? {
        var total = 0
        for (inputs, outputs) in zip(sizes, sizes.dropFirst()) {
            let (weights, overflowW) = inputs.multipliedReportingOverflow(by: outputs)
            let (sum, overflowS) = total.addingReportingOverflow(weights &+ outputs)
            guard !overflowW, !overflowS, weights <= 1 << 30, sum <= 1 << 30 else { return nil }
            total = sum
        }
        return total
    }

    /// Multiply-adds of one forward pass per sample.
    public var multiplyAddsPerSample: Int { layers.reduce(0) { $0 + $1.inputs * $1.outputs } }

    private func prepare(batch: Int) {
        guard batch != self.batch else { return }
        self.batch = batch
        outputs = sizes.map { [Float](repeating: 0, count: batch * $0) }
        gradientBuffers = sizes.map { [Float](repeating: 0, count: batch * $0) }
    }

    /// Runs the network on `batch` rows of `input`; the result is `output` (`[batch, out]`).
    public func forward(_ input: UnsafeBufferPointer<Float>, batch: Int) {
        precondition(input.count == batch * inputSize, "MLP input has \(input.count) values, expected \(batch)×\(inputSize)")
        prepare(batch: batch)
        _ = outputs[0].withUnsafeMutableBufferPointer { $0.update(fromContentsOf: input) }
        refreshSpectralNorms(iterate: updatesSpectralEstimates)
        parameters.values.withUnsafeBufferPointer { values in
            for (index, layer) in layers.enumerated() {
                outputs[index].withUnsafeBufferPointer { x in
                    outputs[index + 1].withUnsafeMutableBufferPointer { y in
                        // y = b (broadcast), then y += x·Wᵀ
                        for row in 0..<batch {
                            (y.baseAddress! + row * layer.outputs).update(from: values.baseAddress! + layer.bias, count: layer.outputs)
                        }
                        withLayerWeight(index, values: values) { weight in
                            if batch == 1 {
                                // One sample (a worker acting): a matrix-vector product is cheaper.
                                BLAS.gemv(
                                    m: layer.outputs, n: layer.inputs, a: weight, lda: layer.inputs,
                                    x: x.baseAddress!, beta: 1, y: y.baseAddress!)
                            } else {
                                BLAS.gemm(
                                    transposeA: false, transposeB: true, m: batch, n: layer.outputs, k: layer.inputs,
                                    a: x.baseAddress!, lda: layer.inputs, b: weight, ldb: layer.inputs,
                                    beta: 1, c: y.baseAddress!, ldc: layer.outputs)
                            }
                        }
                        if index < layers.count - 1 { activation.apply(y) }
                    }
                }
            }
        }
    }

    public func forward(_ input: [Float], batch: Int) {
        input.withUnsafeBufferPointer { forward($0, batch: batch) }
    }

    /// The last forward pass's output, `[batch, outputSize]`.
    public var output: [Float] { outputs[outputs.count - 1] }

    /// Reads the last output without copying it.
    public func withOutput<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try outputs[outputs.count - 1].withUnsafeBufferPointer(body)
    }

    /// Back-propagates `outputGradient` (`[batch, out]`, d loss / d output) through the last
    /// forward pass, adding parameter gradients into `parameters.gradients`. The gradient with
    /// respect to the input is then in `inputGradient`.
    public func backward(_ outputGradient: UnsafeBufferPointer<Float>) {
        precondition(outputGradient.count == batch * outputSize, "MLP output gradient has \(outputGradient.count) values, expected \(batch)×\(outputSize)")
        let last = layers.count
        _ = gradientBuffers[last].withUnsafeMutableBufferPointer { $0.update(fromContentsOf: outputGradient) }
        parameters.values.withUnsafeBufferPointer { values in
            parameters.gradients.withUnsafeMutableBufferPointer { gradients in
                for index in stride(from: last - 1, through: 0, by: -1) {
                    let layer = layers[index]
                    if index < last - 1 {
                        // d(pre-activation) = d(output) ⊙ f'(output)
                        outputs[index + 1].withUnsafeBufferPointer { y in
                            gradientBuffers[index + 1].withUnsafeMutableBufferPointer { activation.backward(output: y, gradient: $0) }
                        }
                    }
                    gradientBuffers[index + 1].withUnsafeBufferPointer { dy in
                        outputs[index].withUnsafeBufferPointer { x in
                            // dW += dyᵀ·x ; db += Σ_rows dy
                            addWeightGradient(index, dy: dy.baseAddress!, x: x.baseAddress!, rows: batch, gradients: gradients.baseAddress!)
                            let bias = gradients.baseAddress! + layer.bias
                            for row in 0..<batch {
                                let rowStart = dy.baseAddress! + row * layer.outputs
                                for column in 0..<layer.outputs { bias[column] += rowStart[column] }
                            }
                        }
                        // dx = dy·W
                        gradientBuffers[index].withUnsafeMutableBufferPointer { dx in
                            withLayerWeight(index, values: values) { weight in
                                BLAS.gemm(
                                    transposeA: false, transposeB: false, m: batch, n: layer.inputs, k: layer.outputs,
                                    a: dy.baseAddress!, lda: layer.outputs, b: weight, ldb: layer.inputs,
                                    beta: 0, c: dx.baseAddress!, ldc: layer.inputs)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds `dyᵀ·x` (`[outputs, inputs]`) to layer `index`'s weight gradient, through the
    /// spectral normalisation when there is one.
    func addWeightGradient(_ index: Int, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, gradients: UnsafeMutablePointer<Float>) {
        let layer = layers[index]
        guard spectral != nil else {
            BLAS.gemm(
                transposeA: true, transposeB: false, m: layer.outputs, n: layer.inputs, k: rows,
                a: dy, lda: layer.outputs, b: x, ldb: layer.inputs, beta: 1, c: gradients + layer.weight, ldc: layer.inputs)
            return
        }
        spectral![index].normalisedGradient.withUnsafeMutableBufferPointer { normalisedGradient in
            BLAS.gemm(
                transposeA: true, transposeB: false, m: layer.outputs, n: layer.inputs, k: rows,
                a: dy, lda: layer.outputs, b: x, ldb: layer.inputs, beta: 0, c: normalisedGradient.baseAddress!, ldc: layer.inputs)
        }
        spectral![index].accumulate(into: gradients + layer.weight)
    }

    public func backward(_ outputGradient: [Float]) {
        outputGradient.withUnsafeBufferPointer { backward($0) }
    }

    /// d loss / d input of the last backward pass, `[batch, inputSize]`.
    public var inputGradient: [Float] { gradientBuffers[0] }
}
