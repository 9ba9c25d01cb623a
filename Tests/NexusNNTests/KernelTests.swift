import Foundation
import Testing

import CNexusKernels

@Suite("Element-wise kernels (CNexusKernels)")
struct KernelTests {
    @Test("matches tanh to within 4 float32 ulps (or 1e-7 absolute) from -20 to 20")
    func accuracy() {
        var worst: Float = 0
        var x: Float = -20
        while x <= 20 {
            let exact = Float(Foundation.tanh(Double(x)))
            let error = abs(nexus_tanh(x) - exact)
            let allowed = max(4 * exact.ulp, 1e-7)
            #expect(error <= allowed, "x = \(x): \(nexus_tanh(x)) vs \(exact)")
            worst = max(worst, error / allowed)
            x += 0.000_731
        }
        #expect(nexus_tanh(0) == 0)
        #expect(nexus_tanh(-0.0).sign == .minus)
        #expect(nexus_tanh(.infinity) == 1 && nexus_tanh(-.infinity) == -1)
        #expect(nexus_tanh(1e-30) == 1e-30)
        #expect(nexus_tanh(.nan).isNaN)
    }

    /// The loop the kernel replaced, in Swift: the same operations in the same order, so the
    /// kernel (whichever instruction set it runs on) must agree to the bit.
    @Test("the Adam kernel computes exactly what the plain loop computes")
    func adamMatchesPlainLoop() {
        var random = SystemRandomNumberGenerator()
        let count = 1_003  // not a multiple of any vector width: the tail runs too
        let gradients = (0..<count).map { _ in Float.random(in: -2...2, using: &random) }
        var values = (0..<count).map { _ in Float.random(in: -1...1, using: &random) }
        var m = (0..<count).map { _ in Float.random(in: -0.1...0.1, using: &random) }
        var v = (0..<count).map { _ in Float.random(in: 0...0.1, using: &random) }
        var (expectedValues, expectedM, expectedV) = (values, m, v)
        let (beta1, beta2, epsilon, correction2, stepSize, decay): (Float, Float, Float, Float, Float, Float) = (0.9, 0.999, 1e-8, 0.0199, 3e-3, 1e-4)
        for index in 0..<count {
            let g = gradients[index]
            expectedM[index] = beta1 * expectedM[index] + (1 - beta1) * g
            expectedV[index] = beta2 * expectedV[index] + (1 - beta2) * g * g
            let denominator = (expectedV[index] / correction2).squareRoot() + epsilon
            expectedValues[index] -= stepSize * expectedM[index] / denominator + decay * expectedValues[index]
        }
        nexus_adam_update(&values, gradients, &m, &v, count, beta1, beta2, epsilon, correction2, stepSize, decay)
        #expect(values == expectedValues)
        #expect(m == expectedM)
        #expect(v == expectedV)
    }

    @Test("the squared norm equals the double-precision sum, tails included")
    func squaredNorm() {
        var random = SystemRandomNumberGenerator()
        for count in [0, 1, 7, 8, 9, 4_099] {
            let values = (0..<count).map { _ in Float.random(in: -3...3, using: &random) }
            let plain = values.reduce(0.0) { $0 + Double($1) * Double($1) }
            let kernel = nexus_squared_norm(values, count)
            #expect(abs(kernel - plain) <= 1e-12 * max(plain, 1), "count \(count): \(kernel) vs \(plain)")
        }
    }

    @Test("tanh's backward multiplies by 1 − y²")
    func tanhBackward() {
        let output: [Float] = [0, 0.5, -0.9, 1, 0.25]
        var gradient: [Float] = [1, 2, -1, 3, 4]
        nexus_tanh_backward(output, &gradient, output.count)
        let expected: [Float] = zip(output, [1, 2, -1, 3, 4] as [Float]).map { y, g in g * (1 - y * y) }
        #expect(gradient == expected)
    }
}
