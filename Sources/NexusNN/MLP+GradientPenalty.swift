/// Gradient penalties for discriminators, differentiated exactly.
public enum GradientPenalty: Sendable, Equatable {
    /// R1 (Mescheder et al., 2018): ‖∇ₓD(x)‖², usually on expert samples.
    case zeroCentred
    /// WGAN-GP (Gulrajani et al., 2017): (‖∇ₓD(x)‖ − 1)², usually on interpolates.
    case oneCentred

    func cost(norm: Float) -> Float {
        switch self {
        case .zeroCentred: return norm * norm
        case .oneCentred: return (norm - 1) * (norm - 1)
        }
    }

    /// d cost / d g = factor · g.
    func gradientFactor(norm: Float) -> Float {
        switch self {
        case .zeroCentred: return 2
        case .oneCentred: return norm > 1e-12 ? 2 * (norm - 1) / norm : 0
        }
    }
}

extension MLP {
    /// Adds `weight · mean_i cost(‖∇ₓ D(xᵢ)‖)` to the loss of a one-output network D, and its
    /// exact gradient with respect to every parameter to `parameters.gradients`; returns
    /// the penalty.
    ///
    /// The input gradient is itself a backward pass, g₀ = δ₁W₁ with δₗ = (δₗ₊₁Wₗ₊₁) ⊙ f′(zₗ) and
    /// δ_L = 1. Differentiating the penalty through that pass (reverse over reverse) gives, for
    /// every layer l, W̄ₗ += δₗᵀ ḡₗ₋₁ and a term ḡ ⊙ g ⊙ f″(z) at each hidden pre-activation,
    /// which an ordinary backward pass through the forward computation then carries to the
    /// weights and biases.
    @discardableResult
    public func addGradientPenalty(_ kind: GradientPenalty, weight: Float, input: [Float], batch: Int) -> Float {
        precondition(outputSize == 1, "a gradient penalty needs a one-output network, this one has \(outputSize)")
        forward(input, batch: batch)
        let depth = layers.count

        // The backward pass of the output with respect to the input, keeping every δ and g.
        // g[l] = d D / d h_l  ([batch, sizes[l]]), delta[l] = d D / d z_l (l ≥ 1).
        var delta = [[Float]](repeating: [], count: depth + 1)
        var g = [[Float]](repeating: [], count: depth + 1)
        delta[depth] = [Float](repeating: 1, count: batch)
        parameters.values.withUnsafeBufferPointer { values in
            for l in stride(from: depth, through: 1, by: -1) {
                let layer = layers[l - 1]
                g[l - 1] = [Float](repeating: 0, count: batch * layer.inputs)
                withLayerWeight(l - 1, values: values) { w in
                    BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: layer.inputs, k: layer.outputs,
                              a: delta[l], lda: layer.outputs, b: w, ldb: layer.inputs, beta: 0, c: &g[l - 1], ldc: layer.inputs)
                }
                if l - 1 >= 1 {
                    delta[l - 1] = zip(g[l - 1], outputs[l - 1]).map { $0 * activation.derivative(output: $1) }
                }
            }
        }

        // The penalty and its gradient with respect to g₀.
        var penalty: Float = 0
        var gBar = [Float](repeating: 0, count: batch * inputSize)
        for row in 0..<batch {
            let start = row * inputSize
            let norm = g[0][start..<(start + inputSize)].reduce(0) { $0 + $1 * $1 }.squareRoot()
            penalty += kind.cost(norm: norm)
            let factor = weight * kind.gradientFactor(norm: norm) / Float(batch)
            for column in 0..<inputSize { gBar[start + column] = factor * g[0][start + column] }
        }
        penalty *= weight / Float(batch)

        // Reverse over the backward pass, layer 1 upwards: weight terms, and the f″ terms that
        // land on the hidden pre-activations (injected[l] = d penalty / d z_l along this path).
        var injected = [[Float]](repeating: [], count: depth)
        parameters.values.withUnsafeBufferPointer { values in
            parameters.gradients.withUnsafeMutableBufferPointer { gradients in
                for l in 1...depth {
                    let layer = layers[l - 1]
                    // g_{l−1} = δ_l W_l  ⇒  W̄_l += δ_lᵀ ḡ_{l−1}
                    addWeightGradient(l - 1, dy: delta[l], x: gBar, rows: batch, gradients: gradients.baseAddress!)
                    guard l < depth else { break }
                    // δ̄_l = ḡ_{l−1} W_lᵀ
                    var deltaBar = [Float](repeating: 0, count: batch * layer.outputs)
                    withLayerWeight(l - 1, values: values) { w in
                        BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: layer.outputs, k: layer.inputs,
                                  a: gBar, lda: layer.inputs, b: w, ldb: layer.inputs, beta: 0, c: &deltaBar, ldc: layer.outputs)
                    }
                    // δ_l = g_l ⊙ f′(z_l)  ⇒  ḡ_l = δ̄_l ⊙ f′(z_l),  z̄_l += δ̄_l ⊙ g_l ⊙ f″(z_l)
                    let h = outputs[l]
                    gBar = (0..<deltaBar.count).map { deltaBar[$0] * activation.derivative(output: h[$0]) }
                    injected[l] = (0..<deltaBar.count).map { deltaBar[$0] * g[l][$0] * activation.secondDerivative(output: h[$0]) }
                }

                // An ordinary backward pass of the forward computation, fed at the hidden
                // pre-activations (the output itself does not appear in the penalty).
                var hBar = [Float](repeating: 0, count: batch * sizes[depth - 1])
                for l in stride(from: depth - 1, through: 1, by: -1) {
                    let layer = layers[l - 1]
                    let h = outputs[l]
                    let zBar = (0..<hBar.count).map { injected[l][$0] + hBar[$0] * activation.derivative(output: h[$0]) }
                    addWeightGradient(l - 1, dy: zBar, x: outputs[l - 1], rows: batch, gradients: gradients.baseAddress!)
                    for row in 0..<batch {
                        for column in 0..<layer.outputs { gradients[layer.bias + column] += zBar[row * layer.outputs + column] }
                    }
                    guard l > 1 else { break }
                    hBar = [Float](repeating: 0, count: batch * layer.inputs)
                    withLayerWeight(l - 1, values: values) { w in
                        BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: layer.inputs, k: layer.outputs,
                                  a: zBar, lda: layer.outputs, b: w, ldb: layer.inputs, beta: 0, c: &hBar, ldc: layer.inputs)
                    }
                }
            }
        }
        return penalty
    }
}
