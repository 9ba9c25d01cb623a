import MetricsTestKit
import NexusWire
import Testing

@testable import NexusRuntime

@Suite("Metrics mirror")
struct MetricsMirrorTests {
    @Test("totals become counter increments (from zero, once each), other values gauges, name.key a dimension; non-numbers and odd names are skipped")
    func mirrorsStatus() throws {
        let metrics = TestMetrics()
        let mirror = MetricsMirror(role: "learner", counters: ["env_steps", "rejected_messages"], factory: metrics)
        mirror.update([
            Metric(name: "env_steps", value: 256), Metric(name: "rejected_messages", value: 0), Metric(name: "policy_loss", value: 0.5),
            Metric(name: "worker_silent_seconds.3", value: 1.25), Metric(name: "Bad-Name", value: 1),
        ])
        mirror.update([Metric(name: "env_steps", value: 768), Metric(name: "env_steps", value: .nan), Metric(name: "policy_loss", value: 0.25)])
        #expect(try metrics.expectCounter("nexus_learner_env_steps_total").totalValue == 768)
        #expect(try metrics.expectCounter("nexus_learner_env_steps_total").values == [256, 512])
        // Present from the start, at zero: a scraper sees the series before anything is refused.
        #expect(try metrics.expectCounter("nexus_learner_rejected_messages_total").totalValue == 0)
        #expect(try metrics.expectGauge("nexus_learner_policy_loss").lastValue == 0.25)
        #expect(try metrics.expectGauge("nexus_learner_worker_silent_seconds", [("id", "3")]).lastValue == 1.25)
        #expect(metrics.counters.count == 2)
        #expect(throws: (any Error).self) { try metrics.expectGauge("nexus_learner_Bad-Name") }
    }

    @Test("a total that goes down (a restarted process) adds nothing, and growth resumes from the new total")
    func totalsThatRestart() throws {
        let metrics = TestMetrics()
        let mirror = MetricsMirror(role: "expert", counters: ["queries"], factory: metrics)
        for total in [10.0, 25, 3, 7] { mirror.update([Metric(name: "queries", value: total)]) }
        #expect(try metrics.expectCounter("nexus_expert_queries_total").totalValue == 29)
    }
}
