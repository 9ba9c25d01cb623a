import ArgumentParser
import Foundation
import NexusRuntime

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "The run configuration's keys.",
        subcommands: [KeysList.self])

    struct KeysList: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keys",
            abstract: "Every configuration key with its default and one line of help; with ALGO, the keys that algorithm reads.",
            discussion: """
                Defaults depend on the algorithm, the environment and the number of workers (tuned settings per environment): \
                give them as you would to nexus train. Set a key with --set KEY=VALUE or in a --config file.
                """)

        @Argument(help: ArgumentHelp("An algorithm: \(AlgorithmRegistry.names.joined(separator: ", ")) (default: every key, dagger's defaults).", valueName: "algo"))
        var algo: String?

        @Option(help: "The environment whose tuned defaults to show (default \(RunConfig().env)).")
        var env: String?

        @Option(parsing: .unconditional, help: "Rollout worker processes (some defaults are split over them; default \(RunConfig().workers)).")
        var workers: Int?

        @Option(help: "The Python interpreter that describes a gym: environment (its threshold is a default; it needs the nexusrl package and gymnasium; default python3 on PATH).")
        var python: String?

        @Flag(help: "One JSON object per key: key, default, rule, choices, help.")
        var json = false

        func validate() throws {
            if let algo, !AlgorithmRegistry.names.contains(algo) {
                throw ValidationError("unknown algorithm \(algo) (known: \(AlgorithmRegistry.names.joined(separator: ", ")))\(NearestName.hint(among: AlgorithmRegistry.names, to: algo))")
            }
            if let workers, !(1...256).contains(workers) { throw ValidationError("--workers \(workers): must be from 1 to 256") }
        }

        func run() throws {
            let keys = try algo.map { ConfigKeys.keys(for: try AlgorithmRegistry.builder(named: $0)) } ?? ConfigKeys.all
            var overrides = algo.map { ["algo=\($0)"] } ?? []
            if let env { overrides.append("env=\(env)") }
            if let workers { overrides.append("workers=\(workers)") }
            if let python { overrides.append("python=\(python)") }
            let config: RunConfig
            do {
                config = try ConfigLoader.load(overrides: overrides, requiringInputs: false)
            } catch let error as ConfigError {
                throw ValidationError(error.description)
            }
            let values = try ConfigKeys.values(of: config)
            if json {
                for key in keys {
                    var object: [String: Any] = ["key": key.path, "default": values[key.path] ?? "", "help": key.help]
                    if let rule = key.rule { object["rule"] = rule }
                    if !key.choices.isEmpty { object["choices"] = key.choices }
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                }
                return
            }
            print("# \(keys.count) keys for \(config.algo) on \(config.env) with \(config.workers) workers: KEY = DEFAULT, then what it does and its rule")
            var section: String?
            for key in keys {
                if key.section != section {
                    section = key.section
                    print("\n[\(key.section.isEmpty ? "run" : key.section)]")
                }
                print("\(key.path) = \(values[key.path] ?? "")")
                print("    \(key.help)\(key.rule.map { "; \($0)" } ?? "")")
            }
        }
    }
}
