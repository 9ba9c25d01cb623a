import Foundation

/// Element-wise nonlinearities. Backward passes use the activation's *output*, so a layer
/// only keeps what it produced.
public enum Activation: String, Sendable, CaseIterable {
    case tanh, relu, identity

    func apply(_ values: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .tanh: for index in values.indices { values[index] = fastTanh(values[index]) }
        case .relu: for index in values.indices { values[index] = Swift.max(values[index], 0) }
        case .identity: break
        }
    }

    /// Multiplies `gradient` in place by the derivative, given the activation's output.
    func backward(output: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .tanh: for index in gradient.indices { gradient[index] *= 1 - output[index] * output[index] }
        case .relu: for index in gradient.indices where output[index] <= 0 { gradient[index] = 0 }
        case .identity: break
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
