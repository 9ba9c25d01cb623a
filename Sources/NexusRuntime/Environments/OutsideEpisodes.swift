import Logging
import NexusDemonstrations
import NexusEnvironments
import NexusPolicies

/// Who acts in the episodes of `nexus eval` and `nexus demos record`.
public enum EpisodeActor {
    /// A checkpoint's policy, deterministically.
    case policy(PolicyNetwork)
    /// An expert in this process (a checkpoint's policy as expert, a built-in one, random).
    case expert(any Expert)
    /// A Python expert (MODULE:CALLABLE or sb3:PATH.zip), served for the command's length.
    case python(String)
}

/// Whole episodes for a command when part of it is outside this process: a `gym:`
/// environment (stepped by a Python server, copies side by side), or a Python expert acting
/// on Nexus's own environment. Copy c is reset from `seed + c` on a `gym:` environment; an
/// environment that fails is counted, restarted, and the episodes under way are run again.
public enum OutsideEpisodes {
    /// Copies stepped side by side (fewer when fewer episodes are asked for).
    public static let maxCopies = 16
    /// Failed environment steps a command recovers from before it gives up.
    public static let failuresAllowed = 5

    public struct Request {
        public var env: String
        /// A `gym:` environment's keyword arguments (text, as `gymnasium.make` gets them).
        public var kwargs: [String: String]
        /// Nexus's own environment's arguments.
        public var arguments: EnvironmentArguments
        public var python: String
        public var seed: UInt64
        public var episodes: Int

        public init(env: String, kwargs: [String: String], arguments: EnvironmentArguments, python: String, seed: UInt64, episodes: Int) {
            (self.env, self.kwargs, self.arguments, self.python, self.seed, self.episodes) = (env, kwargs, arguments, python, seed, episodes)
        }

        public var spec: EnvironmentSpec {
            get throws {
                GymEnvironmentID.isGym(env) ? try GymEnvironments.spec(env, kwargs: kwargs, python: python) : try EnvironmentRegistry.type(for: env).spec
            }
        }
    }

    /// Runs `request.episodes` episodes with `actor`; `keepSteps` keeps each as a
    /// demonstration record. `progress` sees the book after every step.
    public static func run(
        _ request: Request, actor: EpisodeActor, keepSteps: Bool, logger: Logger, progress: (EpisodeBook) -> Void = { _ in }
    ) async throws -> BatchedEpisodes.Outcome {
        let spec = try request.spec
        let copies = min(request.episodes, maxCopies)
        var expertProcess: PythonExpertProcess?
        var server: EnvironmentServer?
        do {
            let act = try await actions(of: actor, spec: spec, python: request.python, logger: logger) { expertProcess = $0 }
            let outcome: BatchedEpisodes.Outcome
            if GymEnvironmentID.isGym(request.env) {
                let started = try EnvironmentServer(
                    .init(env: request.env, kwargs: request.kwargs, python: request.python, copies: copies, timeoutSeconds: RunConfig.WorkerSettings().envTimeoutSeconds,
                      concurrentLoops: 1),
                    logger: logger)
                server = started
                var vector = try await PythonVectorEnvironment.start(server: started, spec: spec, seed: request.seed)
                outcome = try await BatchedEpisodes.run(
                    &vector, episodes: request.episodes, keepSteps: keepSteps, failuresAllowed: failuresAllowed, act: act, progress: progress)
            } else {
                func local<E: Environment>(_ type: E.Type) async throws -> BatchedEpisodes.Outcome {
                    var vector = VectorEnvironment<E>(count: copies, seed: request.seed, arguments: request.arguments)
                    return try await BatchedEpisodes.run(&vector, episodes: request.episodes, keepSteps: keepSteps, failuresAllowed: 0, act: act, progress: progress)
                }
                outcome = try await local(try EnvironmentRegistry.type(for: request.env))
            }
            await server?.close()
            await expertProcess?.close()
            return outcome
        } catch {
            await server?.close()
            await expertProcess?.close()
            throw error
        }
    }

    /// The actor as a batch function; a Python expert's process is started and handed to
    /// `started` (the caller stops it).
    private static func actions(
        of actor: EpisodeActor, spec: EnvironmentSpec, python: String, logger: Logger, started: (PythonExpertProcess) -> Void
    ) async throws -> ([Float], Int) async throws -> [Float] {
        let actionDim = spec.actionSpace.dimension
        switch actor {
        case .policy(let policy):
            return { observations, rows in
                var actions = [Float](repeating: 0, count: rows * actionDim)
                observations.withUnsafeBufferPointer { o in actions.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: rows, into: $0) } }
                return actions
            }
        case .expert(let expert):
            return { observations, rows in expert.act(batch: observations, rows: rows, actionDim: actionDim) }
        case .python(let name):
            let process = try await PythonExpertProcess.start(expert: name, python: python, spec: spec, logger: logger)
            started(process)
            return { observations, rows in try await process.act(observations, rows: rows, observationDim: spec.observationDim) }
        }
    }
}
