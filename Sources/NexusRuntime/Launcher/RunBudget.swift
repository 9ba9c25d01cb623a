/// A run's budgets (`max_seconds`, `total_env_steps`, the iteration limit) and, at the pace
/// so far, which ends the run first and when: the progress line's estimate. The pace is the
/// run's average (env steps and iterations per second of wall time since it started), which
/// steadies as the run goes; a target reached earlier ends it sooner.
struct RunBudget: Equatable {
    var maxSeconds: Double
    /// 0: none.
    var totalEnvSteps: UInt64
    var maxIterations: Int

    struct Estimate: Equatable {
        /// The budget's config key.
        var budget: String
        var secondsLeft: Double
        /// How much of that budget is spent, 0…1.
        var fraction: Double
    }

    /// Nil before there is a pace to go by.
    func estimate(wallSeconds: Double, envSteps: UInt64, iteration: Int) -> Estimate? {
        guard wallSeconds > 0 else { return nil }
        var estimates = [Estimate(budget: "max_seconds", secondsLeft: max(0, maxSeconds - wallSeconds), fraction: min(1, wallSeconds / maxSeconds))]
        if totalEnvSteps > 0, envSteps > 0 {
            let left = Double(totalEnvSteps) - Double(envSteps)
            estimates.append(Estimate(
                budget: "total_env_steps", secondsLeft: max(0, left) / (Double(envSteps) / wallSeconds), fraction: min(1, Double(envSteps) / Double(totalEnvSteps))))
        }
        if maxIterations > 0, iteration > 0 {
            let left = Double(maxIterations - min(maxIterations, iteration))
            estimates.append(Estimate(
                budget: "iterations", secondsLeft: left / (Double(iteration) / wallSeconds), fraction: min(1, Double(iteration) / Double(maxIterations))))
        }
        return estimates.min { $0.secondsLeft < $1.secondsLeft }
    }

    /// "1h02m", "3m05s", "42s".
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
        if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return "\(total)s"
    }
}
