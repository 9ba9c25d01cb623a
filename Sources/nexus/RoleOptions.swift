import ArgumentParser
import Foundation
import Logging
import NexusRuntime

/// How a run is configured on any command that starts one: a YAML file, `--set` overrides,
/// and shortcuts for the most common keys.
struct ConfigOptions: ParsableArguments {
    @Option(help: "YAML configuration file (every key has a default; see cluster/*.yaml).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one key, e.g. --set policy.learning_rate=3e-4 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Environment id (the env key).")
    var env: String?

    @Option(help: "Seed (the seed key).")
    var seed: UInt64?

    /// The shortcuts as overrides, after the explicit ones so that they win.
    func allOverrides(extra: [String] = []) -> [String] {
        overrides + (env.map { ["env=\($0)"] } ?? []) + (seed.map { ["seed=\($0)"] } ?? []) + extra
    }

    func load(extra: [String] = [], file: String? = nil) throws -> RunConfig {
        do {
            return try ConfigLoader.load(file: file ?? config, overrides: allOverrides(extra: extra))
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
    }
}

/// Options of a role process (expert, learner, worker).
struct ProcessOptions: ParsableArguments {
    @Flag(help: "Stop when standard input closes (the launcher holds it open; set by `nexus train`).")
    var watchParent = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    /// Logging to standard error, signal handling and the launcher tie; returns the stop signal.
    func start(role: String) throws -> (StopSignal, Logger) {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level \(logLevel) is not one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let stop = StopSignal()
        stop.installHandlers()
        if watchParent { ParentWatch.stopWhenStandardInputCloses(stop, graceSeconds: 10) }
        return (stop, Logger(label: "nexus.\(role)"))
    }
}
