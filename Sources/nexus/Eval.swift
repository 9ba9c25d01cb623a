import ArgumentParser
import Foundation
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

    @Flag(help: "Act with the environment's built-in expert.")
    var expert = false

    @Option(help: "Act with the policy in this checkpoint file (deterministically).")
    var policy: String?

    @Option(help: "Seed of the reset draws.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard expert != (policy != nil) else { throw ValidationError("choose one policy: --expert or --policy FILE") }
        guard episodes > 0 else { throw ValidationError("--episodes must be positive, got \(episodes)") }
    }

    func run() throws {
        do {
            let type = try EnvironmentRegistry.type(for: env)
            let summary: EvaluationSummary
            if let policy {
                let network = try Self.loadPolicy(policy, for: type.spec)
                summary = Evaluation.run(type, episodes: episodes, seed: seed) { network.act($0, into: $1) }
            } else {
                summary = Evaluation.run(type, episodes: episodes, seed: seed, expert: try Experts.for(env))
            }
            if json {
                print("{\"env\": \"\(env)\", \"policy\": \"\(policy ?? "expert")\", \"episodes\": \(summary.episodes), \"mean_return\": \(summary.meanReturn), \"std_return\": \(summary.stdReturn), \"min_return\": \(summary.minReturn), \"max_return\": \(summary.maxReturn), \"mean_length\": \(summary.meanLength)}")
            } else {
                print("\(env): \(summary.episodes) episodes, return \(String(format: "%.2f", summary.meanReturn)) ± \(String(format: "%.2f", summary.stdReturn)) (min \(summary.minReturn), max \(summary.maxReturn)), mean length \(String(format: "%.1f", summary.meanLength))")
            }
        } catch let error as EnvironmentError {
            throw ValidationError(error.description)
        }
    }

    /// The policy of a checkpoint, checked against the environment's spaces.
    static func loadPolicy(_ path: String, for spec: EnvironmentSpec) throws -> PolicyNetwork {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ValidationError("cannot read policy file \(path): \(error.localizedDescription)")
        }
        do {
            let checkpoint = try StorageCodec.decodeCheckpoint(bytes)
            guard checkpoint.envID == spec.id else {
                throw ValidationError("\(path) holds a policy for \(checkpoint.envID), not \(spec.id)")
            }
            guard let model = checkpoint.weights.models.first(where: { $0.kind == .policy }) else {
                throw ValidationError("\(path) holds no policy model")
            }
            let network = try PolicyNetwork(model: model)
            let outputs: Int
            switch spec.actionSpace {
            case .discrete(let count): outputs = count
            case .box(let low, _): outputs = low.count
            }
            guard network.sizes.first == spec.observationDim, network.sizes.last == outputs else {
                throw ValidationError("\(path): policy \(network.architecture) does not fit \(spec.id) (\(spec.observationDim) observations, \(outputs) outputs)")
            }
            return network
        } catch let error as WireError {
            throw ValidationError("\(path) is not a valid checkpoint: \(error)")
        } catch let error as PolicyError {
            throw ValidationError("\(path): \(error)")
        }
    }
}
