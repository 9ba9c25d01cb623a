import Foundation
import NexusWire

/// The launcher's live progress: one line rewritten in place on a terminal, plain lines
/// (less often) when output goes to a file or pipe.
struct ProgressLine {
    let isTerminal = isatty(STDOUT_FILENO) == 1
    /// Seconds between lines on a terminal (plain lines come at most every 2 s).
    var interval = 0.5
    private var lastLength = 0
    private var lastPrinted = ContinuousClock.now - .seconds(3600)
    private var lastSteps: (UInt64, ContinuousClock.Instant)?

    mutating func show(_ status: ControlMessage.Status, workers: (alive: Int, total: Int), restarts: Int) {
        let now = ContinuousClock.now
        guard now - lastPrinted >= .seconds(isTerminal ? interval : max(interval, 2)) else { return }
        lastPrinted = now
        let steps = UInt64(status[metric: "env_steps"] ?? 0)
        var rate = 0.0
        if let (previous, when) = lastSteps, now > when {
            rate = Double(steps - min(steps, previous)) / ((now - when) / .seconds(1))
        }
        lastSteps = (steps, now)
        let evalReturn = status[metric: "eval_return_mean"].flatMap { $0.isNaN ? nil : String(format: "%.1f", $0) } ?? "—"
        var line = String(
            format: "iter %d | v%llu | env steps %llu | expert queries %llu | eval return %@ (target %.0f) | %.0f steps/s | workers %d/%d",
            Int(status[metric: "iteration"] ?? 0), status.policyVersion, steps, UInt64(status[metric: "expert_queries"] ?? 0),
            evalReturn, status[metric: "target_return"] ?? .nan, rate, workers.alive, workers.total)
        if restarts > 0 { line += " | restarts \(restarts)" }
        line += String(format: " | %.1f s", status[metric: "wall_seconds"] ?? 0)
        if isTerminal {
            print("\r" + line + String(repeating: " ", count: max(0, lastLength - line.count)), terminator: "")
            lastLength = line.count
        } else {
            print(line)
        }
        fflush(nil)
    }

    /// Ends the in-place line before other output.
    mutating func finish() {
        if isTerminal && lastLength > 0 { print("") }
        lastLength = 0
    }
}
