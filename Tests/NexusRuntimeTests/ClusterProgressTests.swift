@testable import NexusRuntime
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
}
