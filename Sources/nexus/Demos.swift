import ArgumentParser
import Foundation
import NexusAlgorithms
import NexusBench
import NexusDemonstrations
import NexusEnvironments
import NexusMinari
import NexusRuntime
import NexusWire

struct Demos: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Expert demonstrations: record them to a file, summarise a file, import or export other tools' datasets.",
        subcommands: [Record.self, Info.self, Import.self, Export.self])

    /// Writes a demonstration file (atomically) and says what is in it.
    static func save(_ file: DemonstrationFile, to path: String) throws {
        try file.write(to: path)
        let summary = DemonstrationRecorder.summary(file)
        print("wrote \(path): \(file.header.envID), \(summary.episodes) episodes, \(summary.steps) steps, mean return \(String(format: "%.2f", summary.meanReturn))")
    }

    /// The dataset formats of other tools that `import` and `export` read and write.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case minari
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record expert episodes in Nexus's demonstration format.")

        @Option(help: "Environment: one of Nexus's own (see `nexus env list`), or gym:ID / gym:MODULE:ID for any Gymnasium environment.")
        var env: String

        @Option(parsing: .unconditional, help: "Number of episodes.")
        var episodes: Int

        @Option(help: "Output file (written atomically; an existing one is refused without --overwrite).")
        var out: String

        @Flag(help: "Replace an existing --out file.")
        var overwrite = false

        @Option(parsing: .unconditional, help: "Seed of the reset draws.")
        var seed: UInt64 = 0

        @Option(help: "Record this checkpoint's policy as the expert instead of the built-in one (e.g. a PPO run's).")
        var expertPolicy: String?

        @OptionGroup var environmentArguments: EnvironmentArgumentOptions

        @OptionGroup var outside: OutsideOptions

        func validate() throws {
            guard episodes > 0 else { throw ValidationError("--episodes must be positive, got \(episodes)") }
            if expertPolicy != nil && outside.expertPython != nil { throw ValidationError("choose one expert: --expert-policy or --expert-python") }
            // Demonstrations a run was trained from are not replaced by accident.
            if !overwrite, FileManager.default.fileExists(atPath: out) {
                throw ValidationError("--out \(out) exists; give --overwrite to replace it")
            }
        }

        func run() async throws {
            do {
                if outside.needsPython(env: env) { return try await recordOutside() }
                let type = try EnvironmentRegistry.type(for: env)
                let arguments = try environmentArguments.arguments(for: type.spec)
                let expert = try ExpertSource.make(envID: env, policyFile: expertPolicy, arguments: arguments)
                var progress = ProgressLine(to: .standardError)
                let file = DemonstrationRecorder.record(
                    type, expert: expert, episodes: episodes, seed: seed, nexusVersion: NexusVersion.current, arguments: arguments
                ) { done, steps in
                    progress.show(force: done == episodes) { "recording \(env): episode \(done)/\(episodes), \(steps) steps" }
                }
                progress.finish()
                try save(file, to: out)
            } catch let error as EnvironmentError {
                throw ValidationError(error.description)
            } catch let error as PolicyFileError {
                throw ValidationError(error.description)
            }
        }

        /// Episodes on a `gym:` environment or of a Python expert (`OutsideEpisodes`).
        private func recordOutside() async throws {
            let request = try outside.request(env: env, seed: seed, episodes: episodes, environment: environmentArguments)
            let spec = try request.spec
            let expert = try outside.expert(spec: spec, policyFile: expertPolicy, arguments: request.arguments)
            let outcome = try await OutsideOptions.run(request, actor: expert, keepSteps: true, what: "recording")
            let header = DemonstrationHeader(
                envID: spec.id, observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension, discreteActions: spec.actionSpace.discreteCount ?? 0,
                expert: outside.expertName(expert), seed: seed, nexusVersion: NexusVersion.current, environmentArguments: request.arguments.values, gymKwargs: request.kwargs)
            try save(DemonstrationFile(header: header, episodes: outcome.records), to: out)
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
                let kwargs = !demos.header.gymKwargs.isEmpty ? " (env_kwargs \(GymEnvironments.kwargsJSON(demos.header.gymKwargs)))"
                    : arguments.values.isEmpty ? "" : " (env_kwargs \(arguments))"
                print("\(file): \(demos.header.envID)\(kwargs), expert \(demos.header.expert), seed \(demos.header.seed)")
                print("\(summary.episodes) episodes, \(summary.steps) steps, return mean \(String(format: "%.2f", summary.meanReturn)) (min \(summary.minReturn), max \(summary.maxReturn))")
            } catch let error as DemonstrationFileError {
                FileHandle.standardError.write(Data("nexus demos info: \(error.description)\n".utf8))
                throw ExitCode.validationFailure  // 64, as every other bad input
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert another tool's dataset into a Nexus demonstration file, checked against the environment.",
            discussion: """
            minari: a Minari (D4RL's successor) dataset directory, e.g. ~/.minari/datasets/NAMESPACE/NAME-v0, \
            or its data/main_data.hdf5. Flat Box observations, Discrete or flat Box actions.
            """)

        @Option(help: "The dataset's format.")
        var format: Format

        @Argument(help: "The dataset (directory or file).")
        var source: String

        @Option(help: "Environment id (default: the one the dataset's metadata names; when given, it must agree).")
        var env: String?

        @Option(help: "Output demonstration file (written atomically).")
        var out: String

        func run() throws {
            do {
                var progress = ProgressLine(to: .standardError)
                let file = try MinariDataset.read(source, envID: env, nexusVersion: NexusVersion.current) { done, total in
                    progress.show(force: done == total) { "importing \(source): episode \(done)/\(total)" }
                }
                progress.finish()
                try save(file, to: out)
            } catch let error as MinariError {
                throw ValidationError(error.description)
            } catch let error as EnvironmentError {
                throw ValidationError(error.description)
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a Nexus demonstration file as another tool's dataset.",
            discussion: """
            minari: a dataset directory (data/main_data.hdf5, data/metadata.json) that minari.load_dataset reads when it \
            sits at MINARI_DATASETS_PATH/DATASET_ID.
            """)

        @Option(help: "The dataset's format.")
        var format: Format

        @Argument(help: "Nexus demonstration file.")
        var file: String

        @Option(help: "Output dataset directory.")
        var out: String

        @Option(help: "Minari dataset id, NAMESPACE/NAME-vN (default: nexus/<env>-expert-v<version>, e.g. nexus/cartpole-expert-v1).")
        var datasetID: String?

        func run() throws {
            let demos: DemonstrationFile
            do {
                demos = try DemonstrationFile.read(from: file)
            } catch let error as DemonstrationFileError {
                throw ValidationError(error.description)
            }
            // Minari's env spec names a Gymnasium entry point; Nexus knows those of its own only.
            guard !GymEnvironmentID.isGym(demos.header.envID) else {
                throw ValidationError("\(file) holds demonstrations of \(demos.header.envID): Minari export takes Nexus's own environments only, not yet gym: ones")
            }
            let id = datasetID ?? "nexus/\(demos.header.envID.lowercased().replacingOccurrences(of: "-v", with: "-expert-v"))"
            guard id.range(of: #"^([A-Za-z0-9_.\-]+/)?[A-Za-z0-9_.\-]+-v[0-9]+$"#, options: .regularExpression) != nil else {
                throw ValidationError("--dataset-id \"\(id)\" is not Minari's NAMESPACE/NAME-vN")
            }
            do {
                var progress = ProgressLine(to: .standardError)
                try MinariDataset.write(demos, to: out, datasetID: id) { done, total in
                    progress.show(force: done == total) { "exporting to \(out): episode \(done)/\(total)" }
                }
                progress.finish()
            } catch let error as MinariError {
                throw ValidationError(error.description)
            }
            print("wrote \(out): Minari dataset \(id), \(demos.episodes.count) episodes, \(demos.totalSteps) steps")
        }
    }
}
