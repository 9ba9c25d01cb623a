import NexusNN
import NexusPolicies

/// One minibatch of PPO's objective (Schulman et al., 2017) and its gradient:
///
///     L = −mean(min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A)) − c_H·mean(H) + c_V·mean((V − R)²),
///     ρ = exp(log π(a|s) − log π_behaviour(a|s)).
///
/// The behaviour log-probability is the one the worker recorded when it acted (so data a
/// version old is corrected by the same ratio). Gradients are *added* into the policy's and
/// the value network's parameter stores; the caller zeroes, clips and steps them.
public struct PPOMinibatch {
    /// `[rows, observationDim]`, already normalised.
    public var observations: [Float]
    /// `[rows, actionDim]`.
    public var actions: [Float]
    public var behaviourLogProbabilities: [Float]
    public var advantages: [Float]
    public var returns: [Float]

    public init(observations: [Float], actions: [Float], behaviourLogProbabilities: [Float], advantages: [Float], returns: [Float]) {
        self.observations = observations
        self.actions = actions
        self.behaviourLogProbabilities = behaviourLogProbabilities
        self.advantages = advantages
        self.returns = returns
    }

    public var rows: Int { advantages.count }
}

public struct PPOLossTerms: Sendable, Equatable {
    public var policyLoss: Float = 0
    public var valueLoss: Float = 0
    public var entropy: Float = 0
    /// E[(ρ − 1) − log ρ], the low-variance KL estimate SB3 reports and stops on.
    public var approximateKL: Float = 0
    public var clipFraction: Float = 0

    public func total(entropyCoefficient: Float, valueCoefficient: Float) -> Float {
        policyLoss - entropyCoefficient * entropy + valueCoefficient * valueLoss
    }
}

public enum PPOLoss {
    /// Forward and backward through both networks; returns the terms (before coefficients).
    /// With an open `threads` session, the policy's part and the value network's run at once
    /// (they share nothing but the read-only batch).
    @discardableResult
    public static func accumulateGradients(
        _ batch: PPOMinibatch, policy: PolicyNetwork, value: MLP, clipRange: Float, entropyCoefficient: Float, valueCoefficient: Float,
        threads: PairedThreads = .sequential
    ) -> PPOLossTerms {
        var terms = PPOLossTerms()
        nonisolated(unsafe) var valueLoss: Float = 0
        nonisolated(unsafe) let (sharedBatch, sharedValue) = (batch, value)
        let valuePart = { valueLoss = accumulateValueGradients(sharedBatch, value: sharedValue, valueCoefficient: valueCoefficient) }
        let policyPart = { terms = accumulatePolicyGradients(batch, policy: policy, clipRange: clipRange, entropyCoefficient: entropyCoefficient) }
        threads.run(policyPart, valuePart)
        terms.valueLoss = valueLoss
        return terms
    }

    /// The surrogate and entropy terms and their gradients in the policy's store.
    static func accumulatePolicyGradients(_ batch: PPOMinibatch, policy: PolicyNetwork, clipRange: Float, entropyCoefficient: Float) -> PPOLossTerms {
        let rows = batch.rows
        var terms = PPOLossTerms()
        var logProbabilities = [Float](repeating: 0, count: rows), entropies = logProbabilities
        batch.observations.withUnsafeBufferPointer { observations in
            batch.actions.withUnsafeBufferPointer { actions in
                logProbabilities.withUnsafeMutableBufferPointer { logp in
                    entropies.withUnsafeMutableBufferPointer {
                        policy.logProbabilityAndEntropy(normalised: observations, rows: rows, chosen: actions, logProbabilities: logp, entropies: $0)
                    }
                }
            }
        }
        let scale = 1 / Float(rows)
        var logProbabilityGradient = [Float](repeating: 0, count: rows)
        let entropyGradient = [Float](repeating: -entropyCoefficient * scale, count: rows)
        var clipped = 0
        for row in 0..<rows {
            let logRatio = logProbabilities[row] - batch.behaviourLogProbabilities[row]
            let ratio = exp(logRatio)
            let advantage = batch.advantages[row]
            let clippedRatio = min(max(ratio, 1 - clipRange), 1 + clipRange)
            let unclippedTerm = ratio * advantage, clippedTerm = clippedRatio * advantage
            terms.policyLoss -= min(unclippedTerm, clippedTerm) * scale
            // min picks the unclipped term (whose derivative in log π is ρ·A) unless clipping
            // lowered it, and then the clipped term is constant in θ.
            if unclippedTerm <= clippedTerm { logProbabilityGradient[row] = -unclippedTerm * scale }
            if abs(ratio - 1) > clipRange { clipped += 1 }
            terms.entropy += entropies[row] * scale
            terms.approximateKL += ((ratio - 1) - logRatio) * scale
        }
        terms.clipFraction = Float(clipped) * scale
        batch.actions.withUnsafeBufferPointer { actions in
            logProbabilityGradient.withUnsafeBufferPointer { gradient in
                entropyGradient.withUnsafeBufferPointer {
                    policy.backwardLogProbabilityAndEntropy(chosen: actions, logProbabilityGradient: gradient, entropyGradient: $0)
                }
            }
        }

        return terms
    }

    /// mean((V − R)²) and its gradient (× the coefficient) in the value network's store.
    static func accumulateValueGradients(_ batch: PPOMinibatch, value: MLP, valueCoefficient: Float) -> Float {
        let rows = batch.rows
        let scale = 1 / Float(rows)
        var loss: Float = 0
        value.forward(batch.observations, batch: rows)
        var valueGradient = [Float](repeating: 0, count: rows)
        value.withOutput { predictions in
            for row in 0..<rows {
                let error = predictions[row] - batch.returns[row]
                loss += error * error * scale
                valueGradient[row] = 2 * valueCoefficient * error * scale
            }
        }
        value.backward(valueGradient)
        return loss
    }
}

import Foundation
