import Synchronization
import Foundation

/// Timing helpers. Every figure is the median of several rounds, so one hiccup of the
/// machine does not decide a ratio.
enum Measure {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Seconds per call of `body`, median over `rounds` rounds of `iterations` calls.
    static func secondsPerCall(rounds: Int = 5, iterations: Int, _ body: () -> Void) -> Double {
        var samples: [Double] = []
        for _ in 0..<rounds {
            let start = now()
            for _ in 0..<iterations { body() }
            samples.append(Double(now() - start) / 1e9 / Double(iterations))
        }
        return median(samples)
    }

    /// Iterations that make one round last about `targetSeconds`.
    static func calibrate(targetSeconds: Double, _ body: () -> Void) -> Int {
        var iterations = 1
        while true {
            let start = now()
            for _ in 0..<iterations { body() }
            let elapsed = Double(now() - start) / 1e9
            if elapsed >= targetSeconds / 4 || iterations >= 1 << 24 {
                return max(1, Int(Double(iterations) * targetSeconds / max(elapsed, 1e-9)))
            }
            iterations *= 4
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }
}

/// A count shared by concurrent tasks of a benchmark, switched on for the measured window.
final class SharedCounter: Sendable {
    private let state = Mutex<(counting: Bool, total: Int)>((true, 0))
    func add(_ amount: Int) { state.withLock { if $0.counting { $0.total += amount } } }
    func restart() { state.withLock { $0 = (true, 0) } }
    func pause() { state.withLock { $0.counting = false } }
    var total: Int { state.withLock { $0.total } }
}
