/// Central finite differences against hand-written gradients.
///
/// Everything runs in float32, so the tolerance absorbs float32 rounding: with values of order
/// 1, rounding moves a loss by about 1e-6, which a central difference with step ε turns into
/// an error of about 1e-6 / (2ε) (5e-5 at ε = 1e-2), plus the truncation error ε²·f‴/6. A
/// match within 1 % relative + 2e-3 absolute is far tighter than any real bug (a missing
/// term, a transposed product, a wrong sign).
public enum FiniteDifferences {
    public struct Mismatch: Sendable, CustomStringConvertible {
        public let index: Int
        public let analytic: Float
        public let numeric: Float
        public var description: String { "entry \(index): analytic \(analytic), numeric \(numeric)" }
    }

    public static func close(_ analytic: Float, _ numeric: Float) -> Bool {
        abs(analytic - numeric) <= 0.01 * max(abs(analytic), abs(numeric)) + 2e-3
    }

    /// The entries of `point` where `analytic` differs from the central difference of `loss`.
    public static func mismatches(_ analytic: [Float], at point: [Float], epsilon: Float = 1e-2, loss: ([Float]) -> Float) -> [Mismatch] {
        precondition(analytic.count == point.count, "\(analytic.count) gradients for \(point.count) values")
        var found: [Mismatch] = []
        for index in point.indices {
            var plus = point, minus = point
            plus[index] += epsilon
            minus[index] -= epsilon
            let numeric = (loss(plus) - loss(minus)) / (2 * epsilon)
            if !close(analytic[index], numeric) { found.append(Mismatch(index: index, analytic: analytic[index], numeric: numeric)) }
        }
        return found
    }
}
