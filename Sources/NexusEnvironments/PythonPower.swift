import Foundation

/// Python's `x ** 2` on floats: libm's `pow`, which differs from `x * x` in the last bit now and
/// then. Optimised builds fold `pow(x, 2)` into `x * x` (LLVM treats the two as equal), so the
/// call is made here, in a function the optimiser leaves alone: without this, release builds
/// (and `-O` in general) lost bit-exactness on Pendulum and Acrobot against Gymnasium.
@_optimize(none)
func pythonSquare(_ x: Double) -> Double {
    pow(x, 2)
}

/// NumPy's float32 `x ** 2`: `powf`, kept from being folded for the same reason.
@_optimize(none)
func numpySquare(_ x: Float) -> Float {
    powf(x, 2)
}
