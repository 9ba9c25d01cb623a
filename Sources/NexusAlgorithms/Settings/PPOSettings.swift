import Foundation

/// PPO's hyperparameters, named as Stable-Baselines3 names them: the run configuration's `ppo`
/// section, read as it is. Defaults are SB3's; the run configuration lays rl-baselines3-zoo's
/// tuned values per environment over them. The network, learning rate and minibatch are the
/// `policy` section's, the env steps per update `training.samples_per_iteration`.
public struct PPOSettings: Codable, Sendable, Equatable {
    /// Whether a coefficient stays put or falls linearly to 0 over `scheduleSteps` env steps
    /// (rl-baselines3-zoo's `lin_` values).
    public enum Schedule: String, Sendable, CaseIterable, Codable { case constant, linear }

    /// Passes over each update's samples.
    public var epochs = 10
    public var gamma: Float = 0.99
    public var gaeLambda: Float = 0.95
    public var clipRange: Float = 0.2
    public var clipRangeSchedule = Schedule.constant
    public var learningRateSchedule = Schedule.constant
    /// Env steps over which linear schedules reach 0 (SB3's `n_timesteps`).
    public var scheduleSteps = 1_000_000
    public var entropyCoefficient: Float = 0
    public var valueCoefficient: Float = 0.5
    public var maxGradNorm: Float = 0.5
    /// Stop an update's epochs early once the approximate KL exceeds 1.5 × this (0: never).
    public var targetKl: Float = 0
    public var normalizeAdvantages = true
    /// Running observation statistics, shipped inside the policy.
    public var normalizeObservations = false
    /// Rewards divided by the running spread of the discounted return (learner only).
    public var normalizeRewards = false
    /// Initial log standard deviation of a Gaussian policy.
    public var logStdInit: Float = 0
    /// Orthogonal initial weights (SB3's `ortho_init`); false: PyTorch's uniform default.
    public var orthogonalInit = true
    /// On-policy: the learner drops segments more than this many versions old (and counts
    /// them); one version old is corrected by the recorded behaviour log-probabilities.
    public var maxPolicyLag = 1
    /// The policy's and the value network's gradients on two threads during an update (the
    /// second spins while the update lasts); ignored on a one-core machine.
    public var parallelUpdate = true
    /// A gail or airl checkpoint whose learned reward replaces the environment's (the runtime
    /// loads it; evaluation still reports the environment's return); empty: the environment's.
    public var reward = ""

    public init() {}

    /// A linear schedule's factor after `steps` env steps.
    func factor(_ schedule: Schedule, steps: Int) -> Float {
        schedule == .constant ? 1 : max(0, 1 - Float(steps) / Float(max(1, scheduleSteps)))
    }

    /// Whether an update runs its two halves side by side on this machine.
    var updatesInParallel: Bool { parallelUpdate && ProcessInfo.processInfo.activeProcessorCount > 1 }
}
