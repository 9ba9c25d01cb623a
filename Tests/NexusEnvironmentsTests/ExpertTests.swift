import NexusTestKit
import Testing

@testable import NexusEnvironments

@Suite("Experts reach their targets over 100 episodes")
struct ExpertTests {
    @Test(arguments: [("CartPole-v1", 495.0), ("Pendulum-v1", -170.0), ("MountainCarContinuous-v0", 90.0), ("MountainCar-v0", -110.0), ("Acrobot-v1", -100.0)])
    func expertReturn(id: String, target: Double) async throws {
        let summary = try await offCooperativePool {
            Evaluation.run(try EnvironmentRegistry.type(for: id), episodes: 100, seed: 2024, expert: try Experts.for(id))
        }
        #expect(summary.meanReturn >= target, "\(id): mean return \(summary.meanReturn) ± \(summary.stdReturn)")
    }

    @Test func unknownExpertIsNamed() {
        #expect(throws: EnvironmentError.self) { try Experts.for("LunarLander-v3") }
    }
}
