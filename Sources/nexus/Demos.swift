import ArgumentParser
import Foundation
import NexusAlgorithms
import NexusBench
import NexusDemonstrations
import NexusEnvironments
import NexusWire

struct Demos: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Expert demonstrations: record them to a file, or summarise a file.",
        subcommands: [Record.self, Info.self])

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record expert episodes in Nexus's demonstration format.")

        @Option(help: "Environment id (see `nexus env list`).")
        var env: String

        @Option(help: "Number of episodes.")
        var episodes: Int

        @Option(help: "Output file (written atomically).")
        var out: String

        @Option(help: "Seed of the reset draws.")
        var seed: UInt64 = 0

        @Option(help: "Record this checkpoint's policy as the expert instead of the built-in one (e.g. a PPO run's).")
        var expertPolicy: String?

        @OptionGroup var environmentArguments: EnvironmentArgumentOptions

        func validate() throws {
            guard episodes > 0 else { throw ValidationError("--episodes must be positive, got \(episodes)") }
        }

        func run() throws {
            do {
                let type = try EnvironmentRegistry.type(for: env)
                let arguments = try environmentArguments.arguments(for: type.spec)
                let expert = try ExpertSource.make(envID: env, policyFile: expertPolicy, arguments: arguments)
                let file = DemonstrationRecorder.record(type, expert: expert, episodes: episodes, seed: seed, nexusVersion: NexusVersion.current, arguments: arguments)
                try file.write(to: out)
                let summary = DemonstrationRecorder.summary(file)
                print("wrote \(out): \(summary.episodes) episodes, \(summary.steps) steps, mean return \(String(format: "%.2f", summary.meanReturn))")
            } catch let error as EnvironmentError {
                throw ValidationError(error.description)
            } catch let error as PolicyFileError {
                throw ValidationError(error.description)
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Summarise a demonstration file (episodes, steps, returns); a corrupt or truncated file is refused.")

        @Argument(help: "Demonstration file.")
        var file: String

        func run() throws {
            do {
                let demos = try DemonstrationFile.read(from: file)
                let summary = DemonstrationRecorder.summary(demos)
                let arguments = EnvironmentArguments(demos.header.environmentArguments)
                let kwargs = arguments.values.isEmpty ? "" : " (env_kwargs \(arguments))"
                print("\(file): \(demos.header.envID)\(kwargs), expert \(demos.header.expert), seed \(demos.header.seed)")
                print("\(summary.episodes) episodes, \(summary.steps) steps, return mean \(String(format: "%.2f", summary.meanReturn)) (min \(summary.minReturn), max \(summary.maxReturn))")
            } catch let error as DemonstrationFileError {
                FileHandle.standardError.write(Data("nexus demos info: \(error.description)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}
