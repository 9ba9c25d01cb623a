import CNexusKernels
import Foundation

/// Adam (Kingma & Ba) with optional decoupled weight decay (AdamW), over a whole
/// `ParameterStore`.
public final class Adam {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    public private(set) var step = 0
    private var firstMoment: [Float]
    private var secondMoment: [Float]

    public init(parameterCount: Int, learningRate: Float = 3e-4, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = [Float](repeating: 0, count: parameterCount)
    }

    /// One update from the store's gradients (which it leaves as they are).
    public func update(_ parameters: ParameterStore) {
        precondition(parameters.count == firstMoment.count, "Adam was built for \(firstMoment.count) parameters, the store has \(parameters.count)")
        step += 1
        let correction1 = 1 - pow(beta1, Float(step))
        let correction2 = 1 - pow(beta2, Float(step))
        let stepSize = learningRate / correction1
        let count = parameters.count
        parameters.values.withUnsafeMutableBufferPointer { values in
            parameters.gradients.withUnsafeBufferPointer { gradients in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        nexus_adam_update(
                            values.baseAddress, gradients.baseAddress, m.baseAddress, v.baseAddress, count,
                            beta1, beta2, epsilon, correction2, stepSize, learningRate * weightDecay)
                    }
                }
            }
        }
    }

    /// Moments and step, for checkpoints.
    public var state: (step: Int, firstMoment: [Float], secondMoment: [Float]) { (step, firstMoment, secondMoment) }

    /// Continues from a saved `state` (a checkpoint), so a resumed run takes the same steps.
    public func restore(step: Int, firstMoment: [Float], secondMoment: [Float]) throws {
        guard step >= 0, firstMoment.count == self.firstMoment.count, secondMoment.count == self.secondMoment.count else {
            throw ParameterLoadError.shapeMismatch("adam.moments", expected: [self.firstMoment.count], received: [firstMoment.count])
        }
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }
}

public enum GradientClipping {
    /// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the
    /// norm before clipping.
    @discardableResult
    public static func clipGlobalNorm(_ parameters: ParameterStore, maxNorm: Float) -> Float {
        clipGlobalNorm([parameters], maxNorm: maxNorm)
    }

    /// The same over several networks trained by one loss (PPO's policy and value): one norm
    /// over all their gradients, as if they were one parameter vector.
    @discardableResult
    public static func clipGlobalNorm(_ stores: [ParameterStore], maxNorm: Float) -> Float {
        let norm = Float(stores.reduce(0) { $0 + squaredNorm($1) }.squareRoot())
        let factor = scale(forNorm: norm, maxNorm: maxNorm)
        if factor < 1 { for store in stores { scale(store, by: factor) } }
        return norm
    }

    /// Σ g² over a store's gradients (in double precision), the pieces of a global norm that
    /// can be computed store by store, on different threads.
    public static func squaredNorm(_ store: ParameterStore) -> Double {
        store.gradients.withUnsafeBufferPointer { nexus_squared_norm($0.baseAddress, $0.count) }
    }

    /// The factor that brings `norm` down to `maxNorm` (1 when it is already within).
    public static func scale(forNorm norm: Float, maxNorm: Float) -> Float { norm > maxNorm && norm > 0 ? maxNorm / norm : 1 }

    public static func scale(_ store: ParameterStore, by factor: Float) {
        store.gradients.withUnsafeMutableBufferPointer { gradients in
            for index in gradients.indices { gradients[index] *= factor }
        }
    }
}
