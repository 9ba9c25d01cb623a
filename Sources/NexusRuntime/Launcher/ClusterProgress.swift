import Foundation
import NexusWire

/// The launcher's live progress line: iteration, version, steps, queries, return, throughput,
/// and the budget that ends the run first with the time left at the pace so far.
struct ClusterProgress {
    private var line = ProgressLine()
    private var lastSteps: (UInt64, ContinuousClock.Instant)?
    private let budget: RunBudget?

    init(interval: Double, budget: RunBudget? = nil) {
        line.interval = interval
        self.budget = budget
    }

    mutating func show(_ status: ControlMessage.Status, workers: (alive: Int, total: Int), restarts: Int) {
        guard line.isDue else { return }
        let now = ContinuousClock.now
        let steps = UInt64(status[metric: "env_steps"] ?? 0)
        var rate = 0.0
        if let (previous, when) = lastSteps, now > when {
            rate = Double(steps - min(steps, previous)) / ((now - when) / .seconds(1))
        }
        lastSteps = (steps, now)
        let evalReturn = status[metric: "eval_return_mean"].flatMap { $0.isNaN ? nil : String(format: "%.1f", $0) } ?? "—"
        let target = Self.target(status[metric: "target_return"])
        var text = String(
            format: "iter %d | v%llu | env steps %llu | expert queries %llu | eval return %@ (%@) | %.0f steps/s | workers %d/%d",
            Int(status[metric: "iteration"] ?? 0), status.policyVersion, steps, UInt64(status[metric: "expert_queries"] ?? 0),
            evalReturn, target, rate, workers.alive, workers.total)
        if restarts > 0 { text += " | restarts \(restarts)" }
        text += Self.troubles(status)
        let wall = status[metric: "wall_seconds"] ?? 0
        text += String(format: " | %.1f s", wall)
        if let estimate = budget?.estimate(wallSeconds: wall, envSteps: steps, iteration: Int(status[metric: "iteration"] ?? 0)) {
            text += String(format: " | %@ %.0f%%, ETA %@", estimate.budget, estimate.fraction * 100, RunBudget.duration(estimate.secondsLeft))
        }
        line.show(force: true) { text }
    }

    mutating func finish() { line.finish() }

    /// What went wrong and was recovered from, where anything did: " | expert retries 23" (queries
    /// asked again after an error answer or none in time: an expert that fails on some states
    /// is otherwise silent here, its reason in the workers' logs), " | env failures 4"; "" when
    /// nothing did.
    static func troubles(_ status: ControlMessage.Status) -> String {
        [("expert_retries", "expert retries"), ("env_failures", "env failures")].reduce(into: "") { text, item in
            if let count = status[metric: item.0], count > 0 { text += " | \(item.1) \(UInt64(count))" }
        }
    }

    /// "target 475", or "no target" for a run without one (a gym: environment whose registry
    /// names no threshold: its target is `RunConfig.noTarget`, not a number to print).
    static func target(_ value: Double?) -> String {
        guard let value, RunConfig.hasTarget(value) else { return "no target" }
        return String(format: "target %.0f", value)
    }
}
