import ArgumentParser
import Foundation
import Logging
import NexusWire
import NexusMetricsEndpoint
import NexusRuntime
import NexusTransport

struct ExpertRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expert", abstract: "Run the expert: answer batched label queries from every worker (ROUTER).")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var processOptions: ProcessOptions

    @Option(help: "Endpoint to bind (default: the endpoints.expert key).")
    var bind: String?

    @Option(help: "Write the bound endpoint to this JSON file once listening.")
    var announce: String?

    func run() async throws {
        let config = try configOptions.load()
        if !config.expert.python.isEmpty {
            do {
                try PythonExpert.exec(config, bind: bind ?? config.endpoints.expert, announce: announce, watchParent: processOptions.watchParent)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        let (stop, logger) = try processOptions.start(role: "expert")
        let metrics = try await MetricsEndpoint.startIfConfigured(config.metrics, logger: logger)
        let endpoint = try Endpoint(parsing: bind ?? config.endpoints.expert)
        let server = try ExpertServer(spec: try config.environmentSpec, arguments: try config.environmentArguments, bind: endpoint, settings: config.expert, seed: config.seed,
            security: RoleSecurity(config.security), logger: logger)
        var announced = ["expert": server.endpoint.description]
        announced["metrics"] = metrics?.url
        if let announce { try EndpointAnnouncement.write(announced, role: "expert", pid: getpid(), to: announce) }
        logger.info("expert for \(config.env) listening on \(server.endpoint)")
        let reporter = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                let stats = server.statistics
                logger.info("served", metadata: [
                    "queries": "\(stats.queries)", "states": "\(stats.states)", "batches": "\(stats.batches)",
                    "latency_p50_us": "\(microseconds(stats.latencyP50))", "latency_p99_us": "\(microseconds(stats.latencyP99))",
                    "refused": "\(server.rejectedMessages)",
                ])
            }
        }
        try await server.run(until: stop)
        reporter.cancel()
        let stats = server.statistics
        logger.info("expert stopped: \(stop.reason)", metadata: ["queries": "\(stats.queries)", "states": "\(stats.states)"])
    }
}

extension MetricsEndpoint {
    /// `/metrics` when `metrics.port` is set (before the role's servers: see `start`).
    static func startIfConfigured(_ settings: RunConfig.MetricsSettings, logger: Logger) async throws -> MetricsEndpoint? {
        guard settings.port != 0 else { return nil }
        let endpoint = try await start(host: settings.bind, port: settings.port, logger: logger)
        logger.info("serving Prometheus metrics at \(endpoint.url)")
        return endpoint
    }
}

/// Whole microseconds, or "-" before anything was measured.
private func microseconds(_ seconds: Double) -> String {
    seconds.isFinite ? String(Int((seconds * 1e6).rounded())) : "-"
}

struct LearnerRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learner",
        abstract: "Run the learner: receive segments (PULL), train, publish weights (PUB), answer control (ROUTER).")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var processOptions: ProcessOptions

    @Option(help: "Run directory (metrics, checkpoints, summary). Default: a new one under runs/.")
    var runDir: String?

    @Option(help: "Continue the run in this directory from its newest checkpoint (its config.yaml unless --config is given).")
    var resume: String?

    @Flag(help: "Start afresh in a --run-dir where an earlier learner wrote: its metrics, summary, events and checkpoints are removed first.")
    var overwrite = false

    func validate() throws {
        if resume != nil, runDir != nil { throw ValidationError("--resume names the run directory; leave out --run-dir") }
        if resume != nil, overwrite { throw ValidationError("--overwrite starts afresh; --resume continues: give one of them") }
    }

    func run() async throws {
        let configFile = configOptions.config ?? resume.map { $0 + "/config.yaml" }
        let config = try configOptions.load(file: configFile)
        let path = resume ?? runDir ?? RunDirectory.defaultPath(algo: config.algo, env: config.env)
        if resume == nil {
            let earlier = RunDirectory.earlierRun(at: path, among: RunDirectory.learnerOutputs)
            if !earlier.isEmpty {
                guard overwrite else {
                    throw ValidationError("\(path) holds an earlier learner's \(earlier.joined(separator: ", ")): continue it with --resume \(path), or start afresh with --overwrite")
                }
                do { try RunDirectory.clearLearnerOutputs(path) } catch { throw ValidationError("\(error)") }
            }
        }
        let (stop, logger) = try processOptions.start(role: "learner")
        let run = try RunDirectory(path: path)
        // Afresh (--overwrite included): the configuration this learner runs with.
        if resume == nil, overwrite || !FileManager.default.fileExists(atPath: run.config) {
            try AtomicFile.write(try ConfigLoader.yaml(config), to: run.config)
        }
        let metrics = try await MetricsEndpoint.startIfConfigured(config.metrics, logger: logger)
        let server = try LearnerServer(config: config, run: run, resume: resume != nil, announcing: metrics.map { ["metrics": $0.url] } ?? [:], logger: logger)
        try await server.run(until: stop)
    }
}

struct WorkerRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a rollout worker: join the learner, step environments, ask the expert, ship segments.")

    @Option(help: "The learner's control endpoint, e.g. tcp://10.0.0.5:5557.")
    var learner: String

    @Option(help: "This worker's id (unique in the run): a number, or auto for one derived from the host name (Kubernetes pods, Slurm tasks).")
    var workerID: String = "1"

    @Option(name: .customLong("config"), help: ArgumentHelp("A YAML file of keys for this worker, laid over the run's configuration (as --set, which goes on top): how to reach the learner (security), worker.envs.", valueName: "file"))
    var configFile: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a key of the run's configuration for this worker, e.g. --set worker.envs=16.", valueName: "key=value"))
    var overrides: [String] = []

    @OptionGroup var processOptions: ProcessOptions

    func run() async throws {
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint(parsing: learner)
        } catch {
            throw ValidationError("--learner: \(error)")
        }
        let workerID: UInt32
        do { workerID = try WorkerIdentity.parse(self.workerID, hostName: ProcessInfo.processInfo.hostName) } catch { throw ValidationError("\(error)") }
        let (stop, logger) = try processOptions.start(role: "worker-\(workerID)")
        let worker = RolloutWorker(
            options: .init(workerID: workerID, learnerControl: endpoint, configFile: configFile, overrides: overrides, shutdownDeadlineSeconds: 15), logger: logger)
        try await worker.run(until: stop)
    }
}
