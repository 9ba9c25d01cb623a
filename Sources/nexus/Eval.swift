import ArgumentParser
import Foundation
import NexusAlgorithms
import NexusEnvironments
import NexusPolicies
import NexusRuntime
import NexusWire

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run whole episodes with an expert and report the returns (mean, std, min, max) and lengths.")

    @Option(help: "Environment: one of Nexus's own (see `nexus env list`), or gym:ID / gym:MODULE:ID for any Gymnasium environment (default with --policy: the one the checkpoint was trained on, with its env_kwargs).")
    var env: String = ""

    @Option(parsing: .unconditional, help: "Number of episodes.")
    var episodes = 100

    @Flag(help: "Act with the expert: the environment's built-in one, the policy given by --expert-policy, or the Python one given by --expert-python.")
    var expert = false

    @Option(help: "A checkpoint whose policy is the expert (as `train --expert-policy`): acts with --expert, or is the expert baseline of --policy's normalised score.")
    var expertPolicy: String?

    @Option(help: "Act with the policy in this checkpoint file (deterministically).")
    var policy: String?

    @Option(parsing: .unconditional, help: "Seed of the reset draws.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var environmentArguments: EnvironmentArgumentOptions

    @OptionGroup var outside: OutsideOptions

    func validate() throws {
        guard expert != (policy != nil) else { throw ValidationError("choose one policy: --expert or --policy FILE (--expert acts with the built-in expert, or the one --expert-policy or --expert-python names)") }
        if expertPolicy != nil && outside.expertPython != nil { throw ValidationError("choose one expert: --expert-policy or --expert-python") }
        guard episodes > 0 else { throw ValidationError("--episodes must be positive, got \(episodes)") }
        if env.isEmpty && policy == nil { throw ValidationError("--env names the environment (only --policy can take it from its checkpoint)") }
    }

    func run() async throws {
        var command = self
        if env.isEmpty, let policy {
            // The checkpoint names its environment, and the arguments it was trained with.
            let trained = try Self.trainedOn(policy)
            command.env = trained.env
            if environmentArguments.pairs.isEmpty { command.environmentArguments.pairs = trained.kwargs }
        }
        try await command.evaluate()
    }

    /// The environment a checkpoint's run trained on and its `env_kwargs` as KEY=VALUE pairs.
    static func trainedOn(_ path: String) throws -> (env: String, kwargs: [String]) {
        let checkpoint: Checkpoint
        do { checkpoint = try CheckpointFile.read(path) } catch let error as CheckpointFileError {
            throw ValidationError(error.description.replacingOccurrences(of: "cannot read ", with: "cannot read policy file "))
        }
        let config = checkpoint.runConfig.isEmpty ? nil : try? ConfigLoader.parse(checkpoint.runConfig, source: path)
        let kwargs = (config?.mapping?["env_kwargs"]?.mapping).map { Array($0).compactMap { pair in pair.key.string.flatMap { key in pair.value.string.map { "\(key)=\($0)" } } } } ?? []
        return (checkpoint.envID, kwargs.sorted())
    }

    private func evaluate() async throws {
        do {
            if outside.needsPython(env: env) { return try await runOutside() }
            let type = try EnvironmentRegistry.type(for: env)
            let arguments = try environmentArguments.arguments(for: type.spec)
            let summary: EvaluationSummary
            if let policy {
                let network = try PolicyFile.load(policy, for: type.spec)
                summary = Evaluation.run(type, episodes: episodes, seed: seed, arguments: arguments) { network.act($0, into: $1) }
            } else {
                summary = Evaluation.run(type, episodes: episodes, seed: seed, arguments: arguments, expert: try ExpertSource.make(envID: env, policyFile: expertPolicy, arguments: arguments))
            }
            var score: (random: Double, expert: Double)?
            if policy != nil {
                let randomReturn = Evaluation.run(
                    type, episodes: episodes, seed: seed, arguments: arguments, expert: UniformRandomPolicy(actionSpace: type.spec.actionSpace, seed: seed)).meanReturn
                let expertReturn = Evaluation.run(
                    type, episodes: episodes, seed: seed, arguments: arguments, expert: try ExpertSource.make(envID: env, policyFile: expertPolicy, arguments: arguments)).meanReturn
                score = (randomReturn, expertReturn)
            }
            report(summary, score: score, arguments: arguments.values.isEmpty ? nil : "\(arguments)")
        } catch let error as EnvironmentError {
            throw ValidationError(error.description)
        } catch let error as PolicyFileError {
            throw ValidationError(error.description)
        }
    }

    /// Episodes with a `gym:` environment or a Python expert (`OutsideEpisodes`).
    private func runOutside() async throws {
        let request = try outside.request(env: env, seed: seed, episodes: episodes, environment: environmentArguments)
        let spec = try request.spec
        let actor: EpisodeActor = if let policy { .policy(try PolicyFile.load(policy, for: spec)) } else { try outside.expert(spec: spec, policyFile: expertPolicy, arguments: request.arguments) }
        let summary = try await OutsideOptions.run(request, actor: actor, keepSteps: false, what: "evaluating").summary
        var score: (random: Double, expert: Double)?
        if policy != nil {
            // The expert baseline of the score needs an expert: a gym: environment has no built-in one.
            if GymEnvironmentID.isGym(env) && expertPolicy == nil && outside.expertPython == nil {
                FileHandle.standardError.write(Data("note: no normalised score: \(env) has no built-in expert; give the expert baseline with --expert-policy FILE or --expert-python\n".utf8))
            } else {
                let random = try await OutsideOptions.run(request, actor: .expert(UniformRandomPolicy(actionSpace: spec.actionSpace, seed: seed)), keepSteps: false, what: "random baseline")
                let expert = try await OutsideOptions.run(
                    request, actor: try outside.expert(spec: spec, policyFile: expertPolicy, arguments: request.arguments), keepSteps: false, what: "expert baseline")
                score = (random.summary.meanReturn, expert.summary.meanReturn)
            }
        }
        let kwargs = GymEnvironmentID.isGym(env) ? (request.kwargs.isEmpty ? nil : GymEnvironments.kwargsJSON(request.kwargs)) : (request.arguments.values.isEmpty ? nil : "\(request.arguments)")
        report(summary, score: score, arguments: kwargs)
    }

    /// Prints the summary (and a policy's normalised score against acting at random and the
    /// expert, on the same environment, arguments, episodes and resets).
    private func report(_ summary: EvaluationSummary, score: (random: Double, expert: Double)?, arguments: String?) {
        let shown = policy ?? (outside.expertPython.map { "expert python \($0)" } ?? expertPolicy.map { "expert \($0)" } ?? "expert")
        let normalised = score.map { NormalisedScore.of(summary.meanReturn, random: $0.random, expert: $0.expert) }
        if json {
            var object: [String: Any] = [
                "env": env, "policy": shown, "episodes": summary.episodes, "mean_return": summary.meanReturn, "std_return": summary.stdReturn,
                "min_return": summary.minReturn, "max_return": summary.maxReturn, "mean_length": summary.meanLength,
            ]
            if let arguments { object["env_kwargs"] = arguments }
            if let score, let normalised { (object["random_return"], object["expert_return"], object["normalised_score"]) = (score.random, score.expert, normalised) }
            for (key, value) in object { if let number = value as? Double, !number.isFinite { object[key] = NSNull() } }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(env): \(summary.episodes) episodes, return \(String(format: "%.2f", summary.meanReturn)) ± \(String(format: "%.2f", summary.stdReturn)) (min \(summary.minReturn), max \(summary.maxReturn)), mean length \(String(format: "%.1f", summary.meanLength))")
            if let score, let normalised {
                print(String(format: "normalised score %.3f (random %.2f, expert %.2f)", normalised, score.random, score.expert))
            }
        }
    }
}
