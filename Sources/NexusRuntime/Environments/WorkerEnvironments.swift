import Logging
import NexusAlgorithms
import NexusEnvironments
import NexusRandom

/// The rollout collector of a worker: over Nexus's own vector environment, or over the
/// copies of a `gym:` environment stepped by a Python server next to the worker (returned
/// too, for the worker to close).
public enum WorkerEnvironments {
    public static func collector(
        _ config: RunConfig, spec: EnvironmentSpec, workerID: UInt32, seed: UInt64, logger: Logger
    ) async throws -> (any RolloutCollecting, EnvironmentServer?) {
        guard GymEnvironmentID.isGym(config.env) else {
            let collector = try RolloutCollectors.make(
                envID: config.env, envCount: config.worker.envs, segmentSteps: config.worker.segmentSteps, workerID: workerID, seed: seed,
                arguments: try config.environmentArguments)
            return (collector, nil)
        }
        let server = try EnvironmentServer(
            .init(env: config.env, kwargs: config.envKwargs, python: config.python, copies: config.worker.envs, timeoutSeconds: config.worker.envTimeoutSeconds,
                  // The run's workers and its learner (all on this machine under nexus train;
                  // fewer per machine across hosts, where this errs towards not spinning).
                  concurrentLoops: config.workers, otherBusyProcesses: 1),
            logger: logger)
        do {
            // The same split of the seed as Nexus's own collector: the environments' resets
            // from the first draw, the plan's and the policy's from the rest.
            var root = RandomSource(seed: seed)
            let region = try config.checkedUnsafeRegion(observationDim: spec.observationDim)
            let vector = try await PythonVectorEnvironment.start(server: server, spec: spec, seed: root.next(), region: region)
            return (RolloutCollector(vector, segmentSteps: config.worker.segmentSteps, workerID: workerID, random: root), server)
        } catch {
            await server.close()
            throw error
        }
    }
}
