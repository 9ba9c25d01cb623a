import ArgumentParser
import Foundation
import NexusAlgorithms
import NexusEnvironments
import NexusPolicies
import NexusWire

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run whole episodes with an expert and report the returns (mean, std, min, max) and lengths.")

    @Option(help: "Environment id (see `nexus env list`).")
    var env: String

    @Option(help: "Number of episodes.")
    var episodes = 100

    @Flag(help: "Act with the expert: the environment's built-in one, or the policy given by --expert-policy.")
    var expert = false

    @Option(help: "A checkpoint whose policy is the expert (as `train --expert-policy`): acts with --expert, or is the expert baseline of --policy's normalised score.")
    var expertPolicy: String?

    @Option(help: "Act with the policy in this checkpoint file (deterministically).")
    var policy: String?

    @Option(help: "Seed of the reset draws.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var environmentArguments: EnvironmentArgumentOptions

    func validate() throws {
        guard expert != (policy != nil) else { throw ValidationError("choose one policy: --expert or --policy FILE") }
        guard episodes > 0 else { throw ValidationError("--episodes must be positive, got \(episodes)") }
    }

    func run() throws {
        do {
            let type = try EnvironmentRegistry.type(for: env)
            let arguments = try environmentArguments.arguments(for: type.spec)
            let summary: EvaluationSummary
            if let policy {
                let network = try PolicyFile.load(policy, for: type.spec)
                summary = Evaluation.run(type, episodes: episodes, seed: seed, arguments: arguments) { network.act($0, into: $1) }
            } else {
                summary = Evaluation.run(type, episodes: episodes, seed: seed, arguments: arguments, expert: try ExpertSource.make(envID: env, policyFile: expertPolicy, arguments: arguments))
            }
            let shown = policy ?? expertPolicy.map { "expert \($0)" } ?? "expert"
            // A policy's score against acting at random and the expert, on the same
            // environment, arguments, episodes and resets.
            var score: (random: Double, expert: Double, normalised: Double)?
            if policy != nil {
                let randomReturn = Evaluation.run(
                    type, episodes: episodes, seed: seed, arguments: arguments, expert: UniformRandomPolicy(actionSpace: type.spec.actionSpace, seed: seed)).meanReturn
                let expertReturn = Evaluation.run(
                    type, episodes: episodes, seed: seed, arguments: arguments, expert: try ExpertSource.make(envID: env, policyFile: expertPolicy, arguments: arguments)).meanReturn
                score = (randomReturn, expertReturn, NormalisedScore.of(summary.meanReturn, random: randomReturn, expert: expertReturn))
            }
            if json {
                let scoreFields = score.map { ", \"random_return\": \($0.random), \"expert_return\": \($0.expert), \"normalised_score\": \($0.normalised)" } ?? ""
                let argumentsField = arguments.values.isEmpty ? "" : ", \"env_kwargs\": \"\(arguments)\""
                print("{\"env\": \"\(env)\"\(argumentsField), \"policy\": \"\(shown)\", \"episodes\": \(summary.episodes), \"mean_return\": \(summary.meanReturn), \"std_return\": \(summary.stdReturn), \"min_return\": \(summary.minReturn), \"max_return\": \(summary.maxReturn), \"mean_length\": \(summary.meanLength)\(scoreFields)}")
            } else {
                print("\(env): \(summary.episodes) episodes, return \(String(format: "%.2f", summary.meanReturn)) ± \(String(format: "%.2f", summary.stdReturn)) (min \(summary.minReturn), max \(summary.maxReturn)), mean length \(String(format: "%.1f", summary.meanLength))")
                if let score {
                    print(String(format: "normalised score %.3f (random %.2f, expert %.2f)", score.normalised, score.random, score.expert))
                }
            }
        } catch let error as EnvironmentError {
            throw ValidationError(error.description)
        } catch let error as PolicyFileError {
            throw ValidationError(error.description)
        }
    }
}
