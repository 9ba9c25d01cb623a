@testable import NexusRuntime
import NexusWire
import Testing

@Suite("The launcher's progress line")
struct ClusterProgressTests {
    @Test("the target as the line shows it: a number, or no target where the environment names none")
    func target() {
        #expect(ClusterProgress.target(475) == "target 475")
        #expect(ClusterProgress.target(-200) == "target -200")
        #expect(ClusterProgress.target(RunConfig.noTarget) == "no target")
        #expect(ClusterProgress.target(.infinity) == "no target")
        #expect(ClusterProgress.target(nil) == "no target")
    }

    @Test("what was recovered from shows on the line only where it happened: expert errors, env failures")
    func troubles() {
        func status(_ metrics: [(String, Double)]) -> ControlMessage.Status {
            ControlMessage.Status(role: "learner", runID: "r", policyVersion: 1, metrics: metrics.map { Metric(name: $0.0, value: $0.1) })
        }
        #expect(ClusterProgress.troubles(status([("env_steps", 100)])) == "")
        #expect(ClusterProgress.troubles(status([("expert_retries", 0), ("env_failures", 0)])) == "")
        #expect(ClusterProgress.troubles(status([("expert_retries", 23), ("env_failures", 0)])) == " | expert retries 23")
        #expect(ClusterProgress.troubles(status([("env_failures", 4), ("expert_retries", 2)])) == " | expert retries 2 | env failures 4")
    }
}
