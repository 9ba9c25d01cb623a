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

    @Option(help: "Environment: one of Nexus's own (nexus env list), or gym:ID / gym:MODULE:ID for any Gymnasium environment, stepped in Python (the env key; default \(RunConfig().env)).")
    var env: String?

    @Option(parsing: .unconditional, help: "Seed (the seed key; default \(RunConfig().seed)).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Algorithm: \(AlgorithmRegistry.names.joined(separator: ", ")) (the algo key; default \(RunConfig().algo); see `nexus train --help`)."))
    var algo: String?

    @Option(help: "Demonstration file for bc, gail and airl (the demos key).")
    var demos: String?

    @Option(help: "Serve the policy of this checkpoint as the expert (the expert.policy key), e.g. a PPO run's.")
    var expertPolicy: String?

    @Option(help: "Serve this Python expert (the expert.python key): MODULE:CALLABLE, a callable from a batch of observations [N, obs_dim] to actions [N, act_dim] or indices [N], or sb3:PATH.zip, a Stable-Baselines3 model. Needs the nexusrl package (pip install ./python).")
    var expertPython: String?

    @Option(help: "The Python interpreter for Python experts and gym: environments (the python key; default python3 on PATH; it needs the nexusrl package, and gymnasium for gym:).")
    var python: String?

    @Option(name: .customLong("env-kwarg"), help: ArgumentHelp("A keyword argument of the environment, as Gymnasium names it, e.g. g=12 for Pendulum-v1 (an env_kwargs entry; repeatable).", valueName: "key=value"))
    var environmentArguments: [String] = []

    @Option(help: "The host name or address other machines reach this one by, told to workers in place of a bind-everything address like 0.0.0.0 (the endpoints.advertise key).")
    var advertise: String?

    @Option(help: "With --algo ppo: train on the learned reward of this gail or airl checkpoint (the ppo.reward key).")
    var reward: String?

    /// The shortcuts as overrides, after the explicit ones so that they win.
    func allOverrides(extra: [String] = []) -> [String] {
        var shortcuts: [String] = []
        if let env { shortcuts.append("env=\(Self.yamlQuoted(env))") }
        if let seed { shortcuts.append("seed=\(seed)") }
        if let algo { shortcuts.append("algo=\(algo)") }
        if let demos { shortcuts.append("demos=\(URL(fileURLWithPath: demos).path)") }
        // Absolute, so that processes started elsewhere find it.
        if let expertPolicy { shortcuts.append("expert.policy=\(URL(fileURLWithPath: expertPolicy).path)") }
        if let advertise { shortcuts.append("endpoints.advertise=\(advertise)") }
        if let reward { shortcuts.append("ppo.reward=\(URL(fileURLWithPath: reward).path)") }
        if let expertPython {
            // An SB3 model's path absolute, like the other files; quoted for YAML (':' and all).
            let value = expertPython.hasPrefix("sb3:") ? "sb3:" + URL(fileURLWithPath: String(expertPython.dropFirst(4))).path : expertPython
            shortcuts.append("expert.python=\(Self.yamlQuoted(value))")
        }
        if let python { shortcuts.append("python=\(Self.yamlQuoted(python))") }
        // Quoted, so that YAML keeps the value as written (true, 12, 0.1).
        for pair in environmentArguments {
            let (name, value) = pair.firstIndex(of: "=").map { (pair[..<$0], pair[pair.index(after: $0)...]) } ?? (pair[...], "")
            shortcuts.append("env_kwargs.\(name)=\(Self.yamlQuoted(String(value)))")
        }
        return overrides + shortcuts + extra
    }

    /// A YAML single-quoted scalar: the text exactly as given.
    static func yamlQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

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

    /// Log lines go to standard error (the launcher sends each role's to its log file).
    static func bootstrapLogging(level name: String) throws {
        guard let level = Logger.Level(rawValue: name) else {
            throw ValidationError("--log-level \(name) is not one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// Logging to standard error, signal handling and the launcher tie; returns the stop signal.
    func start(role: String) throws -> (StopSignal, Logger) {
        try Self.bootstrapLogging(level: logLevel)
        let stop = StopSignal()
        stop.installHandlers()
        if watchParent { ParentWatch.stopWhenStandardInputCloses(stop, graceSeconds: 10) }
        return (stop, Logger(label: "nexus.\(role)"))
    }
}
