import Foundation
import Testing

@testable import NexusNN

@Suite("fastTanh")
struct FastTanhTests {
    @Test("matches tanh to within 4 float32 ulps (or 1e-7 absolute) from -20 to 20")
    func accuracy() {
        var worst: Float = 0
        var x: Float = -20
        while x <= 20 {
            let exact = Float(Foundation.tanh(Double(x)))
            let error = abs(fastTanh(x) - exact)
            let allowed = max(4 * exact.ulp, 1e-7)
            #expect(error <= allowed, "x = \(x): \(fastTanh(x)) vs \(exact)")
            worst = max(worst, error / allowed)
            x += 0.000_731
        }
        #expect(fastTanh(0) == 0)
        #expect(fastTanh(-0.0).sign == .minus)
        #expect(fastTanh(.infinity) == 1 && fastTanh(-.infinity) == -1)
        #expect(fastTanh(1e-30) == 1e-30)
        #expect(fastTanh(.nan).isNaN)
    }
}
