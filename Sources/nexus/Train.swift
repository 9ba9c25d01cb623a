import ArgumentParser
import Foundation
import Logging
import NexusRuntime

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train on a local cluster: one expert, one learner and N workers as separate processes on loopback.",
        discussion: """
            Writes a run directory (config.yaml, cluster.json, metrics.csv, summary.json, checkpoints/, logs/). \
            Exits 0 when the run ends (target reached, max seconds or iterations), 130/143 when stopped by SIGINT/SIGTERM.

            Algorithms (--algo):
            \(AlgorithmRegistry.helpText)

            Configuration: \(ConfigKeys.overview)
            """)

    @OptionGroup var configOptions: ConfigOptions

    @Option(parsing: .unconditional, help: "Number of rollout worker processes (the workers key; default \(RunConfig().workers)).")
    var workers: Int?

    @Option(help: "Run directory (default: a new one under runs/).")
    var runDir: String?

    @Option(help: "Continue the stopped run in this directory from its newest checkpoint: its config.yaml (with --set and the other options on top), its counters, clock and metrics.")
    var resume: String?

    @Flag(help: "Start afresh in a --run-dir that holds an earlier run (its files are removed first). Without it, such a directory is refused.")
    var overwrite = false

    @Option(parsing: .unconditional, help: "Stop after this many seconds (the max_seconds key; default \(Int(RunConfig().maxSeconds))).")
    var maxSeconds: Double?

    @Option(parsing: .unconditional, help: "Stop once the workers have collected this many env steps, like Stable-Baselines3's total_timesteps (the total_env_steps key; default: no such budget).")
    var totalEnvSteps: UInt64?

    @Option(parsing: .unconditional, help: "Stop once the evaluation return reaches this (the target_return key; default: the environment's threshold).")
    var targetReturn: Double?

    @Option(help: "Launcher log level.")
    var logLevel: String = "notice"

    func validate() throws {
        if resume != nil, runDir != nil { throw ValidationError("--resume names the run directory; leave out --run-dir") }
        if resume != nil, overwrite { throw ValidationError("--overwrite starts afresh; --resume continues: give one of them") }
        if let resume, configOptions.config == nil, !FileManager.default.fileExists(atPath: resume + "/config.yaml") {
            throw ValidationError("--resume \(resume): no config.yaml there (not a run directory)")
        }
    }

    func run() async throws {
        var extra: [String] = []
        if let workers { extra.append("workers=\(workers)") }
        if let maxSeconds { extra.append("max_seconds=\(maxSeconds)") }
        if let totalEnvSteps { extra.append("total_env_steps=\(totalEnvSteps)") }
        if let targetReturn { extra.append("target_return=\(targetReturn)") }
        let config = try configOptions.load(extra: extra, file: configOptions.config ?? resume.map { $0 + "/config.yaml" })
        try ProcessOptions.bootstrapLogging(level: logLevel)
        let stop = StopSignal()
        stop.installHandlers()
        let executable = NexusExecutable.url
        let launcher: ClusterLauncher
        let outcome: ClusterLauncher.Outcome
        // Refused before anything starts (the checks of the launcher's construction): exit 64
        // with the usage line, as a bad flag gets.
        do {
            launcher = try ClusterLauncher(
                config: config, runDirectory: resume ?? runDir ?? RunDirectory.defaultPath(algo: config.algo, env: config.env),
                executable: executable, resume: resume != nil, overwrite: overwrite, logger: Logger(label: "nexus.train"))
        } catch let error as RuntimeError {
            throw ValidationError(error.description)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        // A run that started and could not go on: exit 1, the cause named.
        do {
            outcome = try await launcher.run(until: stop)
        } catch let error as RuntimeError {
            throw RunFailure(error.description)
        } catch let error as ConfigError {
            throw RunFailure(error.description)
        }
        let summary = (try? String(contentsOfFile: outcome.summaryPath, encoding: .utf8)) ?? "{}"
        print(summary, terminator: "")
        if let signal = outcome.stoppedBySignal {
            print("nexus: stopped (\(signal)); final checkpoint and summary in \(launcher.runDirectory)")
            throw ExitCode(signal == "SIGINT" ? 130 : 143)
        }
        print("nexus: \(Self.ending(outcome)); run directory \(launcher.runDirectory)")
    }

    /// The last line: why the run ended, and — where that was not the target (a run with
    /// stop_at_target=false ends by its budget) — whether it reached the target on the way.
    static func ending(_ outcome: ClusterLauncher.Outcome) -> String {
        let reason = outcome.finishReason ?? "stopped"
        if reason.hasPrefix("reached target") { return reason }
        guard outcome.hadTarget else { return "finished (\(reason)); the environment names no target return (target_return sets one)" }
        return "finished (\(reason)); " + (outcome.reachedTarget ? "the target was reached on the way" : "the target was not reached")
    }
}
