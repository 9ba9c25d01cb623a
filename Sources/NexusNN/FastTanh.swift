/// tanh in float32 without a libm call, so that loops over it vectorise (libm's tanhf cost
/// more than all the matrix products of a training step). Accurate to a few float32 ulps:
///
/// - |x| < 1/16: the odd Taylor series to x⁷ (the next term is below 2e-12).
/// - otherwise: tanh|x| = (1 − e) / (1 + e) with e = exp(−2|x|) = 2^t, t ≤ 0, split into an
///   integer power of two (built in the exponent bits) and 2^v for v ∈ [−½, ½), evaluated as
///   Σ (v ln 2)^k / k! to k = 6 (truncation below 1.2e-7 relative).
/// - |x| ≥ 9 gives ±1 (tanh 9 = 1 − 3e-8 rounds to 1); NaN stays NaN.
@inline(__always)
func fastTanh(_ x: Float) -> Float {
    let a = min(abs(x), 9)
    let squared = a * a
    let series = a * (1 + squared * (-1.0 / 3 + squared * (2.0 / 15 + squared * (-17.0 / 315))))

    let t = -2 * a * 1.442_695_04  // log2(e); t ∈ [−26, 0]
    // Round t to an integer by adding 1.5·2²³: the integer then sits in the low mantissa
    // bits, read without a float-to-int conversion (which traps, and blocks vectorising).
    let magic: Float = 12_582_912
    let shifted = t + magic
    let whole = shifted - magic
    let scale = Float(bitPattern: ((shifted.bitPattern &- magic.bitPattern) &+ 127) << 23)
    let u = (t - whole) * 0.693_147_18  // ∈ [−½ ln 2, ½ ln 2]
    let power = scale * (1 + u * (1 + u * (0.5 + u * (1.0 / 6 + u * (1.0 / 24 + u * (1.0 / 120 + u * (1.0 / 720)))))))
    let ratio = (1 - power) / (1 + power)

    let magnitude = a < 0.0625 ? series : ratio
    return x.isNaN ? x : Float(signOf: x, magnitudeOf: magnitude)
}
