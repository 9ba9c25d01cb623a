import Foundation
import NexusWire

/// The launcher's live progress line: iteration, version, steps, queries, return, throughput.
struct ClusterProgress {
    private var line = ProgressLine()
    private var lastSteps: (UInt64, ContinuousClock.Instant)?

    init(interval: Double) { line.interval = interval }

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
        var text = String(
            format: "iter %d | v%llu | env steps %llu | expert queries %llu | eval return %@ (target %.0f) | %.0f steps/s | workers %d/%d",
            Int(status[metric: "iteration"] ?? 0), status.policyVersion, steps, UInt64(status[metric: "expert_queries"] ?? 0),
            evalReturn, status[metric: "target_return"] ?? .nan, rate, workers.alive, workers.total)
        if restarts > 0 { text += " | restarts \(restarts)" }
        text += String(format: " | %.1f s", status[metric: "wall_seconds"] ?? 0)
        line.show(force: true) { text }
    }

    mutating func finish() { line.finish() }
}
