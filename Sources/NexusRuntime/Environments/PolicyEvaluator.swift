import Logging
import NexusAlgorithms
import NexusEnvironments
import NexusPolicies
import Synchronization

/// Where the learner evaluates its policy: Nexus's own environment in this process, or a
/// `gym:` environment stepped by a server of its own (one copy per evaluation episode). A
/// failed evaluation on a `gym:` environment is counted, the server restarted and the
/// evaluation tried once more from other seeds (the same policy from the same states would
/// meet the same failure); if that fails too, this iteration goes without one.
public final class PolicyEvaluator: Sendable {
    private let config: RunConfig
    private let spec: EnvironmentSpec
    private let arguments: EnvironmentArguments
    private let server: EnvironmentServer?
    private let logger: Logger
    private let failureCount = Atomic<UInt64>(0)
    private let progress = Mutex<(@Sendable () -> Void)?>(nil)

    /// Called as a `gym:` evaluation steps (at least once a second): it is alive.
    public var onProgress: (@Sendable () -> Void)? {
        get { progress.withLock { $0 } }
        set { progress.withLock { $0 = newValue } }
    }

    public init(config: RunConfig, spec: EnvironmentSpec, logger: Logger) throws {
        (self.config, self.spec, self.logger) = (config, spec, logger)
        arguments = try config.environmentArguments
        server = GymEnvironmentID.isGym(config.env)
            ? try EnvironmentServer(
                .init(env: config.env, kwargs: config.envKwargs, python: config.python, copies: config.learner.evalEpisodes, timeoutSeconds: config.worker.envTimeoutSeconds,
                      concurrentLoops: config.workers + 1, otherBusyProcesses: 1),
                logger: logger)
            : nil
    }

    /// Failed evaluation steps so far (part of the run's `env_failures`).
    public var failures: UInt64 { failureCount.load(ordering: .relaxed) }

    /// The policy's deterministic returns over `learner.eval_episodes` episodes from
    /// `learner.eval_seed`; nil when a `gym:` environment failed twice.
    public func evaluate(_ policy: PolicyNetwork, isolation: isolated (any Actor)? = #isolation) async throws -> EvaluationSummary? {
        guard let server else {
            return try PolicyEvaluation.run(policy, envID: config.env, episodes: config.learner.evalEpisodes, seed: config.learner.evalSeed, arguments: arguments)
        }
        for attempt in 1...2 {
            do {
                let seed = config.learner.evalSeed &+ UInt64(attempt - 1) &* 1_000_003
                // A snapshot: the episodes step outside this actor, while it may train on.
                let snapshot = try PolicyNetwork(model: policy.model())
                let (summary, recovered) = try await GymEvaluation.run(snapshot, server: server, spec: spec, seed: seed, progress: onProgress ?? {})
                failureCount.add(UInt64(recovered), ordering: .relaxed)
                return summary
            } catch let failure as EnvironmentFailure {
                let count = failureCount.add(1, ordering: .relaxed).newValue
                logger.error("evaluation environment failure (attempt \(attempt) of 2): \(failure)", metadata: ["env_failures": "\(count)"])
                try await server.restart()
            }
        }
        logger.error("no evaluation this iteration: the environment failed twice")
        return nil
    }

    public func close() async { await server?.close() }
}
