import CoreMetrics
import NexusWire
import Synchronization

/// A role's status metrics mirrored into swift-metrics, for whichever backend the process
/// bootstrapped (Prometheus at `/metrics` when `metrics.port` is set; none: no-ops). The
/// roles already keep running totals (their status answers); each update turns a total's
/// growth into a counter increment (`nexus_<role>_<name>_total`) and every other value into a
/// gauge (`nexus_<role>_<name>`). `name.key` becomes a gauge with the dimension `id=key`
/// (`worker_silent_seconds.3`). Histograms the roles record themselves carry names no status
/// metric has (`…_duration_seconds`, `nexus_learner_segment_…`): Prometheus's registry
/// refuses, by trapping, one name registered as two kinds.
public final class MetricsMirror: Sendable {
    private struct State {
        var totals: [String: Double] = [:]
        var counters: [String: Counter] = [:]
        var gauges: [String: Gauge] = [:]
    }

    private let role: String
    private let counterNames: Set<String>
    private let factory: any MetricsFactory
    private let state = Mutex(State())

    /// `factory`: where the counters and gauges are made (the process's bootstrapped backend
    /// unless a test passes its own).
    public init(role: String, counters: Set<String>, factory: any MetricsFactory = MetricsSystem.factory) {
        self.role = role
        counterNames = counters
        self.factory = factory
    }

    /// Mirrors `metrics()` every `interval` until cancelled: off the roles' hot paths (the
    /// learner's training loop wakes for every segment), and often enough for a scraper.
    public func run(every interval: Duration = .milliseconds(500), _ metrics: () -> [Metric]) async throws {
        while true {
            update(metrics())
            try await Task.sleep(for: interval)
        }
    }

    public func update(_ metrics: [Metric]) {
        state.withLock { state in
            for metric in metrics {
                let parts = metric.name.split(separator: ".", maxSplits: 1).map(String.init)
                guard let name = parts.first, Self.isPlainName(name) else { continue }
                if counterNames.contains(name), parts.count == 1 {
                    guard metric.value.isFinite else { continue }
                    let growth = metric.value - (state.totals[name] ?? 0)
                    state.totals[name] = metric.value
                    // Created at first sight, zero included: a scraper sees the series from the start.
                    let counter = state.counters[name] ?? Counter(label: "nexus_\(role)_\(name)_total", factory: factory)
                    state.counters[name] = counter
                    if growth >= 1 { counter.increment(by: Int64(growth)) }
                } else {
                    let key = metric.name
                    let gauge = state.gauges[key] ?? Gauge(label: "nexus_\(role)_\(name)", dimensions: parts.count == 2 ? [("id", parts[1])] : [], factory: factory)
                    state.gauges[key] = gauge
                    gauge.record(metric.value)
                }
            }
        }
    }

    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else { return false }
        return name.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") }
    }
}
