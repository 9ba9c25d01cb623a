import NexusEnvironments
import NexusTestKit
import NexusWire
import Testing

@testable import NexusAlgorithms

/// DAgger's loop in one process: the same algorithm and rollout code the cluster runs, with the
/// expert called directly instead of over a socket.
@Suite("DAgger and BC in one process")
struct DAggerInProcessTests {
    struct Outcome { var iterations: Int; var queries: Int; var evalReturn: Double }

    static func runDAgger(envID: String, seed: UInt64, settings: ImitationSettings, target: Double, maxIterations: Int, envs: Int = 8, segmentSteps: Int = 16) throws -> Outcome {
        let spec = try EnvironmentRegistry.type(for: envID).spec
        let expert = try Experts.for(envID)
        var settings = settings
        settings.seed = seed
        let algorithm = SupervisedImitation(mode: .dagger, spec: spec, settings: settings)
        var collector = try RolloutCollectors.make(envID: envID, envCount: envs, segmentSteps: segmentSteps, workerID: 1, seed: seed &+ 1)
        var queries = 0
        var labels: [Float] = []
        var evalReturn = -Double.infinity
        while algorithm.iteration < maxIterations {
            let plan = algorithm.rolloutPlan
            if plan.needsExpert {
                labels = expert.act(batch: collector.observations, rows: envs, actionDim: spec.actionSpace.dimension)
                queries += envs
            }
            for segment in collector.step(policy: algorithm.policy, policyVersion: UInt64(algorithm.iteration), plan: plan, expertActions: labels) {
                try segment.validate()
                _ = algorithm.ingest(segment)
            }
            if algorithm.readyToTrain {
                _ = algorithm.trainIteration()
                evalReturn = try PolicyEvaluation.run(algorithm.policy, envID: envID, episodes: 20, seed: 10_000 + seed).meanReturn
                if evalReturn >= target { break }
            }
        }
        return Outcome(iterations: algorithm.iteration, queries: queries, evalReturn: evalReturn)
    }

    @Test("DAgger reaches 475 on CartPole-v1 from a few thousand expert labels", arguments: [UInt64(1), 2, 3])
    func daggerCartPole(seed: UInt64) async throws {
        let outcome = try await offCooperativePool { try Self.runDAgger(envID: "CartPole-v1", seed: seed, settings: ImitationSettings(), target: 475, maxIterations: 40) }
        print("DAgger CartPole seed \(seed): \(outcome)")
        #expect(outcome.evalReturn >= 475)
    }
}

extension DAggerInProcessTests {
    @Test("DAgger reaches the threshold on the other environments", arguments: [("Acrobot-v1", -100.0), ("MountainCarContinuous-v0", 90), ("Pendulum-v1", -200)])
    func daggerOthers(envID: String, target: Double) async throws {
        let outcome = try await offCooperativePool { try Self.runDAgger(envID: envID, seed: 1, settings: ImitationSettings(), target: target, maxIterations: 60) }
        print("DAgger \(envID): \(outcome)")
        #expect(outcome.evalReturn >= target)
    }
}
