import Foundation
import NexusNN

/// Hyperparameters of PPO, named as Stable-Baselines3 names them. Defaults are SB3's; the
/// run configuration lays rl-baselines3-zoo's tuned values per environment over them.
public struct PPOSettings: Sendable, Equatable {
    /// Whether a coefficient stays put or falls linearly to 0 over `scheduleSteps` env steps
    /// (rl-baselines3-zoo's `lin_` values).
    public enum Schedule: String, Sendable, CaseIterable, Codable { case constant, linear }

    public var hiddenSizes = [64, 64]
    public var activation: Activation = .tanh
    public var learningRate: Float = 3e-4
    public var learningRateSchedule: Schedule = .constant
    public var clipRange: Float = 0.2
    public var clipRangeSchedule: Schedule = .constant
    /// Env steps over which linear schedules reach 0 (SB3's `n_timesteps`).
    public var scheduleSteps = 1_000_000
    /// Env steps per update (SB3's n_envs × n_steps).
    public var samplesPerIteration = 2048
    public var epochs = 10
    public var minibatchSize = 64
    public var gamma: Float = 0.99
    public var gaeLambda: Float = 0.95
    public var entropyCoefficient: Float = 0
    public var valueCoefficient: Float = 0.5
    public var maxGradientNorm: Float = 0.5
    /// Stop an update's epochs early once the approximate KL exceeds 1.5 × this (0: never).
    public var targetKL: Float = 0
    public var normaliseAdvantages = true
    public var normaliseObservations = false
    public var normaliseRewards = false
    /// Initial log standard deviation of a Gaussian policy.
    public var logStdInit: Float = 0
    /// The policy's and the value network's gradients on two threads during an update (the
    /// second spins while the update lasts). Off on a one-core machine.
    public var parallelUpdate = ProcessInfo.processInfo.activeProcessorCount > 1
    public var seed: UInt64 = 0

    public init() {}

    /// A linear schedule's factor after `steps` env steps.
    func factor(_ schedule: Schedule, steps: Int) -> Float {
        schedule == .constant ? 1 : max(0, 1 - Float(steps) / Float(max(1, scheduleSteps)))
    }
}
