import ArgumentParser
import Foundation
import Logging
import NexusAlgorithms
import NexusDemonstrations
import NexusEnvironments
import NexusRuntime

/// `--python` and `--expert-python` on the commands that run episodes without a run
/// configuration (eval, demos record): a `gym:` environment or a Python expert.
struct OutsideOptions: ParsableArguments {
    @Option(help: "The Python interpreter for gym: environments and Python experts (default python3 on PATH; it needs the nexusrl package, and gymnasium for gym:).")
    var python = "python3"

    @Option(help: "A Python expert: MODULE:CALLABLE (a batch of observations [N, obs_dim] to actions [N, act_dim] or indices [N]) or sb3:PATH.zip (a Stable-Baselines3 model).")
    var expertPython: String?

    /// Whether the episodes need Python: a `gym:` environment or a Python expert.
    func needsPython(env: String) -> Bool { GymEnvironmentID.isGym(env) || expertPython != nil }

    /// What to run, for `OutsideEpisodes`.
    func request(env: String, seed: UInt64, episodes: Int, environment: EnvironmentArgumentOptions) throws -> OutsideEpisodes.Request {
        var request = OutsideEpisodes.Request(env: env, kwargs: [:], arguments: .none, python: python, seed: seed, episodes: episodes)
        if GymEnvironmentID.isGym(env) {
            request.kwargs = try environment.texts()
        } else {
            request.arguments = try environment.arguments(for: try EnvironmentRegistry.type(for: env).spec)
        }
        return request
    }

    /// The expert: the Python one if given, else a checkpoint's policy (`expertPolicy`), else
    /// the environment's built-in one (a `gym:` environment has none: refused, naming the flags).
    func expert(spec: EnvironmentSpec, policyFile: String?, arguments: EnvironmentArguments) throws -> EpisodeActor {
        if let expertPython { return .python(expertPython) }
        return .expert(try ExpertSource.make(spec: spec, policyFile: policyFile, arguments: arguments))
    }

    /// A name for the expert in a demonstration file's header.
    func expertName(_ actor: EpisodeActor) -> String {
        switch actor {
        case .python(let name): "python \(name)"
        case .expert(let expert): expert.name
        case .policy: "policy"
        }
    }

    /// Runs the episodes, with a progress line on standard error; says on standard error
    /// what was recovered from or cut.
    static func run(
        _ request: OutsideEpisodes.Request, actor: EpisodeActor, keepSteps: Bool, what: String
    ) async throws -> BatchedEpisodes.Outcome {
        var progress = ProgressLine(to: .standardError)
        let logger = Logger(label: "nexus")
        let outcome = try await OutsideEpisodes.run(request, actor: actor, keepSteps: keepSteps, logger: logger) { book in
            progress.show { "\(what) \(request.env): episode \(book.finished.count)/\(request.episodes), \(book.steps) steps" }
        }
        progress.finish()
        if outcome.failures > 0 {
            FileHandle.standardError.write(Data("note: the environment failed \(outcome.failures) time(s); it was restarted and the episodes under way were run again\n".utf8))
        }
        if outcome.cut > 0 {
            FileHandle.standardError.write(Data("note: \(outcome.cut) episode(s) cut at \(BatchedEpisodes.stepLimitWithoutTimeLimit) steps (the environment has no time limit), so \(outcome.episodes.count) of \(request.episodes)\n".utf8))
        }
        return outcome
    }
}
