import ArgumentParser
import Foundation
import NexusEnvironments

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run whole episodes with an expert and report the returns (mean, std, min, max) and lengths.")

    @Option(help: "Environment id (see `nexus env list`).")
    var env: String

    @Option(help: "Number of episodes.")
    var episodes = 100

    @Flag(help: "Act with the environment's built-in expert.")
    var expert = false

    @Option(help: "Seed of the reset draws.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard expert else { throw ValidationError("choose the policy: --expert (trained policies come with the runtime)") }
        guard episodes > 0 else { throw ValidationError("--episodes must be positive, got \(episodes)") }
    }

    func run() throws {
        do {
            let type = try EnvironmentRegistry.type(for: env)
            let summary = Evaluation.run(type, episodes: episodes, seed: seed, expert: try Experts.for(env))
            if json {
                print("{\"env\": \"\(env)\", \"policy\": \"expert\", \"episodes\": \(summary.episodes), \"mean_return\": \(summary.meanReturn), \"std_return\": \(summary.stdReturn), \"min_return\": \(summary.minReturn), \"max_return\": \(summary.maxReturn), \"mean_length\": \(summary.meanLength)}")
            } else {
                print("\(env): \(summary.episodes) episodes, return \(String(format: "%.2f", summary.meanReturn)) ± \(String(format: "%.2f", summary.stdReturn)) (min \(summary.minReturn), max \(summary.maxReturn)), mean length \(String(format: "%.1f", summary.meanLength))")
            }
        } catch let error as EnvironmentError {
            throw ValidationError(error.description)
        }
    }
}
