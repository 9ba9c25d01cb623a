import CNexusKernels
import Foundation

/// Element-wise nonlinearities. Backward passes use the activation's *output*, so a layer
/// only keeps what it produced.
public enum Activation: String, Sendable, CaseIterable, Codable {
    case tanh, relu, identity

    func apply(_ values: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .tanh: nexus_tanh_inplace(values.baseAddress, values.count)
        case .relu: for index in values.indices { values[index] = Swift.max(values[index], 0) }
        case .identity: break
        }
    }

    /// Multiplies `gradient` in place by the derivative, given the activation's output.
    func backward(output: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .tanh: nexus_tanh_backward(output.baseAddress, gradient.baseAddress, gradient.count)
        case .relu: for index in gradient.indices where output[index] <= 0 { gradient[index] = 0 }
        case .identity: break
        }
    }

    /// f′ expressed through the output y = f(z).
    func derivative(output y: Float) -> Float {
        switch self {
        case .tanh: return 1 - y * y
        case .relu: return y > 0 ? 1 : 0
        case .identity: return 1
        }
    }

    /// f″ expressed through the output y = f(z) (tanh″ = −2y(1 − y²)).
    func secondDerivative(output y: Float) -> Float {
        switch self {
        case .tanh: return -2 * y * (1 - y * y)
        case .relu, .identity: return 0
        }
    }

    /// The usual orthogonal-initialisation gain for a layer followed by this activation.
    public var gain: Float {
        switch self {
        case .tanh: return 5.0 / 3.0
        case .relu: return Float(2).squareRoot()
        case .identity: return 1
        }
    }
}
