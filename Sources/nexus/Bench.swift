import ArgumentParser
import NexusBench
import NexusEnvironments
import NexusRuntime

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Nexus against a baseline measured in the same run.",
        discussion: """
            Every figure is printed with its baseline (the same work done the simplest fast way) \
            and the ratio value/baseline. With --json, one JSON object per line: \
            {"bench", "case", "metric", "value", "unit", "baseline", "ratio"}.
            """,
        subcommands: [Wire.self, Transport.self, NN.self, EnvSteps.self, Expert.self, Rollout.self, EndToEnd.self, PPO.self, Imitation.self, GailThroughput.self, Mega.self])

    struct Options: ParsableArguments {
        @Flag(help: "Print one JSON object per line instead of a table.")
        var json = false

        @Flag(help: "Shorter rounds: for smoke tests, not for figures worth quoting.")
        var quick = false

        @Option(help: "Run only the cases whose name contains this text.")
        var filter: String?

        var settings: BenchSettings { BenchSettings(quick: quick, filter: filter) }
    }

    struct Wire: BenchCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encode and decode MB/s for a 1,000-step trajectory and 99k-parameter weights; baseline memcpy.")
        @OptionGroup var options: Options
        func measure(_ reporter: BenchReporter) async throws { try WireBench(options.settings).run(reporter) }
    }

    struct NN: BenchCommand {
        static let configuration = CommandConfiguration(
            commandName: "nn",
            abstract: "Training-step and inference time of Nexus's MLPs; baseline raw cblas_sgemm on the same shapes.")
        @OptionGroup var options: Options
        func measure(_ reporter: BenchReporter) async throws { try NNBench(options.settings).run(reporter) }
    }

    struct EnvSteps: BenchCommand {
        static let configuration = CommandConfiguration(
            commandName: "env",
            abstract: "Environment steps/s on one core, and 64 CartPole copies driven by an MLP policy; baselines the bare loop and the policy alone. With --env gym:ID: steps/s through the Python bridge with 1, 2 and 4 workers; baseline Gymnasium's SyncVectorEnv in one process.")
        @OptionGroup var options: Options

        @Option(help: "A gym:ID environment: measure the bridge to it instead of Nexus's own environments.")
        var env: String?

        @Option(help: "The Python interpreter with nexusrl and gymnasium (default python3 on PATH).")
        var python = "python3"

        @Option(help: "The interpreter of the baseline (default: --python).")
        var referencePython: String?

        @Option(parsing: .unconditional, help: "Copies each worker steps (the worker.envs key).")
        var copies = 8

        @Option(name: .customLong("env-kwarg"), help: ArgumentHelp("A keyword argument of gymnasium.make (repeatable).", valueName: "key=value"))
        var environmentArguments: [String] = []

        func validate() throws {
            if let env, !GymEnvironmentID.isGym(env) { throw ValidationError("--env takes a gym:ID environment here (Nexus's own are measured without --env)") }
            if let env, let problem = GymEnvironmentID.problem(env) { throw ValidationError("--env: \(problem)") }
            guard copies >= 1 else { throw ValidationError("--copies must be at least 1") }
            for pair in environmentArguments where !pair.contains("=") { throw ValidationError("--env-kwarg \(pair) is not KEY=VALUE") }
        }

        func measure(_ reporter: BenchReporter) async throws {
            guard let env else { return try EnvBench(options.settings).run(reporter) }
            let kwargs = Dictionary(environmentArguments.map { pair in
                let equals = pair.firstIndex(of: "=")!
                return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
            }) { _, last in last }
            try await GymBridgeBench(options.settings, env: env, kwargs: kwargs, python: python, referencePython: referencePython, copies: copies).run(reporter)
        }
    }

    struct Expert: BenchCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expert server: labelled states/s with 8 concurrent workers (baseline: in-process labelling) and query round trips (baseline: raw REQ/REP).")
        @OptionGroup var options: Options
        func measure(_ reporter: BenchReporter) async throws { try await ExpertBench(options.settings).run(reporter) }
    }

    struct Rollout: BenchCommand {
        static let configuration = CommandConfiguration(
            abstract: "Env steps/s of 1 and 2 worker processes through the whole stack; baseline: the same environments and policy in one process, per core used. With --hosts N: N workers on other hosts (network namespaces, CURVE on) against the same workers on loopback.")
        @OptionGroup var options: Options

        @Option(parsing: .unconditional, help: "Put the workers on N other hosts (network namespaces; needs root and cluster/netns-hosts).")
        var hosts = 0

        @Option(help: "The namespace helper script.")
        var netnsScript = "cluster/netns-hosts"

        @Option(help: .hidden)
        var insideHosts: String?

        func measure(_ reporter: BenchReporter) async throws {
            let bench = RolloutBench(options.settings, executable: NexusExecutable.url)
            do {
                if let insideHosts {
                    try await bench.measureAcrossHosts(hosts, prefix: insideHosts, reporter)
                } else if hosts > 0 {
                    try bench.runAcrossHosts(hosts, script: netnsScript, json: options.json)
                } else {
                    try await bench.run(reporter)
                }
            } catch let error as RuntimeError {
                throw ValidationError(error.description)
            }
        }
    }

    struct EndToEnd: BenchCommand {
        static let configuration = CommandConfiguration(
            commandName: "e2e",
            abstract: "DAgger on CartPole-v1 with 4 workers over 5 seeds: seconds, env steps and expert queries to 475 (median, min, max); baseline: the reference Python DAgger figures. With --gym: gym:CartPole-v1 through the Python bridge, baseline Nexus's own CartPole-v1 with the same Python expert in the same run.")
        @OptionGroup var options: Options

        @Flag(help: "Measure gym:CartPole-v1 (Gymnasium's, through the bridge) against Nexus's CartPole-v1; needs --python and --expert-python.")
        var gym = false

        @Option(help: "With --gym: the interpreter with nexusrl and gymnasium.")
        var python: String?

        @Option(help: "With --gym: the Python expert both runs ask (MODULE:CALLABLE on PYTHONPATH).")
        var expertPython: String?

        func validate() throws {
            if gym, python == nil || expertPython == nil { throw ValidationError("--gym needs --python and --expert-python") }
            if !gym, python != nil || expertPython != nil { throw ValidationError("--python and --expert-python go with --gym") }
        }

        func measure(_ reporter: BenchReporter) async throws {
            if gym, let python, let expertPython {
                return try await GymEndToEndBench(options.settings, executable: NexusExecutable.url, python: python, expert: expertPython).run(reporter)
            }
            try await EndToEndBench(options.settings, executable: NexusExecutable.url).run(reporter)
        }
    }

    struct PPO: BenchCommand {
        static let configuration = CommandConfiguration(
            commandName: "ppo",
            abstract: "PPO on CartPole-v1 (zoo settings, 3 seeds or --seeds): env steps and seconds to 475 and env steps/s, in one process and with 2 workers; baseline Stable-Baselines3.")
        @OptionGroup var options: Options

        @Option(help: "A Python with stable-baselines3: measure SB3 now (tools/sb3_ppo_reference.py) instead of quoting the recorded figures.")
        var referencePython: String?

        @Option(parsing: .unconditional, help: "Seeds 1…N of each case and of the reference (more seeds, a steadier median).")
        var seeds = 3

        func validate() throws {
            guard (1...100).contains(seeds) else { throw ValidationError("--seeds must be from 1 to 100, not \(seeds)") }
        }

        func measure(_ reporter: BenchReporter) async throws {
            try await PPOBench(options.settings, executable: NexusExecutable.url, referencePython: referencePython, seedCount: seeds).run(reporter)
        }
    }

    struct Imitation: BenchCommand {
        static let configuration = CommandConfiguration(
            abstract: "GAIL and AIRL from expert demonstrations (CartPole-v1, Pendulum-v1), in one process, 3 seeds: env steps and seconds to the target and env steps/s; baseline the reference library's GAIL loop (--reference-python, or 2.3k env steps/s).")
        @OptionGroup var options: Options

        @Option(help: "A Python with the reference library (imitation): measure its GAIL loop now (tools/imitation_gail_reference.py).")
        var referencePython: String?

        func measure(_ reporter: BenchReporter) async throws { try ImitationBench(options.settings, referencePython: referencePython).run(reporter) }
    }

    struct GailThroughput: BenchCommand {
        static let configuration = CommandConfiguration(
            commandName: "gail-throughput",
            abstract: "The whole GAIL loop on gym:HalfCheetah-v5 through the cluster with imitation's tuned HalfCheetah settings, 3 seeds: env steps/s from launch; baseline imitation's GAIL with the same settings and demonstrations (--reference-python, or the figure recorded on this machine kind).")
        @OptionGroup var options: Options

        @Option(help: "The interpreter with nexusrl and gymnasium[mujoco] (default python3 on PATH).")
        var python = "python3"

        @Option(help: "A Python with imitation and MuJoCo: measure its GAIL loop now (tools/imitation_gail_reference.py).")
        var referencePython: String?

        @Option(help: "The expert whose demonstrations both loops learn from.")
        var expertPolicy = "benchmarks/experts/HalfCheetah-v5.nxckpt"

        func measure(_ reporter: BenchReporter) async throws {
            try await GailThroughputBench(
                options.settings, executable: NexusExecutable.url, python: python, referencePython: referencePython, expertPolicy: expertPolicy
            ).run(reporter)
        }
    }

    struct Mega: BenchCommand {
        static let configuration = CommandConfiguration(
            abstract: "DAgger and MEGA-DAgger (its ablations, and DAgger started as MEGA-DAgger starts) through the cluster, 4 workers, 5 seeds, on the five built-in environments (Pendulum-v1, Acrobot-v1, MountainCarContinuous-v0, CartPole-v1, MountainCar-v0), and three imperfect experts on Pendulum-v1: expert queries, unsafe events and env steps to the target; baseline DAgger in the same run.")
        @OptionGroup var options: Options
        func measure(_ reporter: BenchReporter) async throws {
            try await MegaBench(options.settings, executable: NexusExecutable.url).run(reporter)
        }
    }

    struct Transport: BenchCommand {
        static let configuration = CommandConfiguration(
            abstract: "PUSH/PULL throughput (64 B to 1 MiB) and ROUTER/DEALER round trips over tcp loopback; baseline raw libzmq.")
        @OptionGroup var options: Options
        func measure(_ reporter: BenchReporter) async throws { try await TransportBench(options.settings).run(reporter) }
    }
}

/// One `nexus bench` subcommand: its options and what it measures; running it is shared.
protocol BenchCommand: AsyncParsableCommand {
    var options: Bench.Options { get }
    func measure(_ reporter: BenchReporter) async throws
}

extension BenchCommand {
    /// A filter that matches no case is bad input: exit 64 with the usage, like a bad flag.
    func run() async throws {
        do {
            try await measure(BenchReporter(json: options.json))
        } catch let error as BenchFilterError {
            throw ValidationError(error.description)
        }
    }
}
