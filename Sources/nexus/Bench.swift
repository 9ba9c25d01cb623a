import ArgumentParser
import NexusBench

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Nexus against a baseline measured in the same run.",
        discussion: """
            Every figure is printed with its baseline (the same work done the simplest fast way) \
            and the ratio value/baseline. With --json, one JSON object per line: \
            {"bench", "case", "metric", "value", "unit", "baseline", "ratio"}.
            """,
        subcommands: [Wire.self, Transport.self, NN.self, EnvSteps.self])

    struct Options: ParsableArguments {
        @Flag(help: "Print one JSON object per line instead of a table.")
        var json = false

        @Flag(help: "Shorter rounds: for smoke tests, not for figures worth quoting.")
        var quick = false

        @Option(help: "Run only the cases whose name contains this text.")
        var filter: String?

        var settings: BenchSettings { BenchSettings(quick: quick, filter: filter) }
    }

    /// A filter that matches no case is bad input: exit 64 with the usage, like a bad flag.
    static func reportingBadFilters(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as BenchFilterError {
            throw ValidationError(error.description)
        }
    }

    struct Wire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encode and decode MB/s for a 1,000-step trajectory and 99k-parameter weights; baseline memcpy.")

        @OptionGroup var options: Options

        func run() async throws {
            try await Bench.reportingBadFilters {
                try WireBench(options.settings).run(BenchReporter(json: options.json))
            }
        }
    }

    struct NN: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nn",
            abstract: "Training-step and inference time of Nexus's MLPs; baseline raw cblas_sgemm on the same shapes.")

        @OptionGroup var options: Options

        func run() async throws {
            try await Bench.reportingBadFilters {
                try NNBench(options.settings).run(BenchReporter(json: options.json))
            }
        }
    }

    struct EnvSteps: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "env",
            abstract: "Environment steps/s on one core, and 64 CartPole copies driven by an MLP policy; baselines the bare loop and the policy alone.")

        @OptionGroup var options: Options

        func run() async throws {
            try await Bench.reportingBadFilters {
                try EnvBench(options.settings).run(BenchReporter(json: options.json))
            }
        }
    }

    struct Transport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "PUSH/PULL throughput (64 B to 1 MiB) and ROUTER/DEALER round trips over tcp loopback; baseline raw libzmq.")

        @OptionGroup var options: Options

        func run() async throws {
            try await Bench.reportingBadFilters {
                try await TransportBench(options.settings).run(BenchReporter(json: options.json))
            }
        }
    }
}
