import Foundation
import NexusAlgorithms
import NexusEnvironments
import NexusNN
import NexusRuntime
import NexusWire
import Testing

/// The in-process runner runs what the cluster runs (`LearnerCore`, `WorkerCore`, the
/// collector, weights installed as workers install them): with one worker that waits for
/// each version (so that what each iteration trains on does not depend on timing), a real
/// cluster and the runner end with the same weights, bit for bit.
@Suite("In process and in the cluster, the same run")
struct InProcessEquivalenceTests {
    @Test("one worker, a seed, 10 iterations: the cluster's last checkpoint and the in-process runner's weights are bit-identical", arguments: [("dagger", "CartPole-v1"), ("ppo", "CartPole-v1"), ("dagger", "Pendulum-v1")])
    func sameWeights(algo: String, env: String) async throws {
        let settings = [
            "algo=\(algo)", "env=\(env)", "workers=1", "seed=3", "training.max_iterations=10", "stop_at_target=false",
            // The worker waits for each version as long as it takes: lockstep.
            "worker.version_wait_seconds=86400", "worker.query_version_wait_seconds=86400", "learner.eval_episodes=3", "max_seconds=600",
        ]
        // The same OpenBLAS kernel as this process: another kernel sums in another order.
        let run = try await ClusterRun.train(settings.flatMap { ["--set", $0] }, environment: ["OPENBLAS_CORETYPE": NexusNN.blasKernel])
        #expect(await run.finish(within: 300) == 0, "\(run.outputText)")
        let checkpoint = try CheckpointFile.read(run.runDirectory + "/checkpoints/latest.nxckpt")
        #expect(checkpoint.iteration == 10)

        let config = try ConfigLoader.load(overrides: settings)
        let spec = try config.environmentSpec
        let algorithm = try config.algorithm.makeAlgorithm(config: config, spec: spec)
        let expert: (any Expert)? = try config.algorithm.requirements.contains(.expert) ? Experts.for(config.env) : nil
        let outcome = try InProcessRunner(settings: try .init(config: config), expert: expert).run(algorithm)
        #expect(outcome.iterations == 10)
        let cluster = checkpoint.weights.models, inProcess = algorithm.models()
        #expect(cluster.map(\.kind) == inProcess.map(\.kind))
        for (a, b) in zip(cluster, inProcess) {
            let differing = zip(a.parameters, b.parameters).filter { $0 != $1 }.map(\.0.name)
            let same = a == b
            #expect(same, "\(a.kind) differs between the cluster and the in-process run: \(differing.count) of \(a.parameters.count) tensors (\(differing.prefix(4)))")
        }
        // And the data they trained on: the same env steps and expert queries.
        let summary = try #require(run.summary)
        #expect(summary["env_steps"] as? Int == outcome.envSteps)
        #expect(summary["expert_queries"] as? Int == outcome.expertQueries)
    }
}
