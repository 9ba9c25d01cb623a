import Foundation
import Logging
import NexusAlgorithms
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusRuntime
import NexusTransport
import NexusWire
import Synchronization

/// `nexus bench rollout`: aggregate env steps/s of N real `nexus worker` processes through
/// the whole stack — policy inference, segment building, encoding, PUSH over tcp loopback,
/// and decoding plus validation on the receiving side (this process plays the learner:
/// it welcomes the workers, publishes a 4→64→64→2 policy and counts decoded segments).
///
/// Baseline: the same 8 CartPole copies and policy stepped in this process, times the cores
/// the workers can use (min(N, cores)): the ratio is the stack's efficiency per core.
public struct RolloutBench: Sendable {
    public var settings: BenchSettings
    public var executable: URL
    public init(_ settings: BenchSettings = BenchSettings(), executable: URL) {
        self.settings = settings
        self.executable = executable
    }

    /// Where the learner side binds, how a worker process is started, and with which keys.
    struct Topology {
        var bindHost = "127.0.0.1"
        /// The command words before `nexus` for worker `id` (`ip netns exec HOST`), if any.
        var workerPrefix: (UInt32) -> [String] = { _ in [] }
        /// A key directory: CURVE on every socket of the measurement.
        var keys: String?
    }

    public static let caseNames = ["collector_in_process", "workers_1", "workers_2"]
    static let envs = 8
    static let segmentSteps = 64

    public func run(_ reporter: BenchReporter) async throws {
        try settings.requireMatch(in: Self.caseNames, bench: "rollout")
        let inProcess = Self.inProcessRate(seconds: settings.quick ? 0.3 : 1.5)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if settings.selected("collector_in_process") {
            // What a worker computes without its sockets: segments cut and encoded.
            reporter.report(BenchRecord(
                bench: "rollout", case: "collector_in_process", metric: "steps_per_s",
                value: try Self.collectorRate(seconds: settings.quick ? 0.3 : 1.5), unit: "steps/s", baseline: inProcess))
        }
        for workers in [1, 2] where settings.selected("workers_\(workers)") {
            let (rate, workerCores) = try await distributedRate(workers: workers, seconds: settings.quick ? 1.0 : 4.0, topology: Topology())
            // This VM's speed drifts by tens of percent: the baseline is the mean of the
            // in-process rate measured before and right after this case.
            let inProcess = (inProcess + Self.inProcessRate(seconds: settings.quick ? 0.3 : 1.5)) / 2
            reporter.report(BenchRecord(
                bench: "rollout", case: "workers_\(workers)", metric: "steps_per_s", value: rate, unit: "steps/s",
                baseline: inProcess * Double(min(workers, cores))))
            // Per core the workers actually got (CPU seconds per second, from /proc): on a
            // machine with fewer free cores than workers, the learner side takes its share.
            reporter.report(BenchRecord(
                bench: "rollout", case: "workers_\(workers)", metric: "steps_per_core_s", value: rate / workerCores, unit: "steps/s",
                baseline: inProcess))
            if workers > 1 {
                // What this machine really gives N concurrent copies of the same loop (cores
                // that share caches or a host do not add up): N threads of this process.
                let parallel = await Self.inProcessRate(threads: min(workers, cores), seconds: settings.quick ? 0.3 : 1.5)
                reporter.report(BenchRecord(
                    bench: "rollout", case: "workers_\(workers)", metric: "steps_per_s_vs_threads", value: rate, unit: "steps/s",
                    baseline: parallel))
            }
        }
    }

    static func policy() -> PolicyNetwork {
        var random = RandomSource(seed: 11)
        return PolicyNetwork(sizes: [4, 64, 64, 2], activation: .tanh, head: .categorical, random: &random)
    }

    /// The sum of `threads` concurrent in-process loops, each with its own copies.
    static func inProcessRate(threads: Int, seconds: Double) async -> Double {
        await withTaskGroup(of: Double.self) { group in
            for _ in 0..<threads { group.addTask { await onThread { inProcessRate(seconds: seconds) } } }
            return await group.reduce(0, +)
        }
    }

    /// Env steps/s of the vector environment and policy alone, in this process.
    static func inProcessRate(seconds: Double) -> Double {
        let policy = policy()
        var vector = VectorEnvironment<CartPole>(count: envs, seed: 3)
        var actions = [Float](repeating: 0, count: envs)
        var steps = 0
        let start = ContinuousClock.now
        let end = start + .seconds(seconds)
        while ContinuousClock.now < end {
            for _ in 0..<100 {
                vector.observations.withUnsafeBufferPointer { o in actions.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: envs, into: $0) } }
                vector.step(actions)
            }
            steps += 100 * envs
        }
        return Double(steps) / ((ContinuousClock.now - start) / .seconds(1))
    }

    static func collectorRate(seconds: Double) throws -> Double {
        let policy = policy()
        var collector = try RolloutCollectors.make(envID: CartPole.spec.id, envCount: envs, segmentSteps: segmentSteps, workerID: 1, seed: 3)
        var bytes = 0
        let start = ContinuousClock.now
        let end = start + .seconds(seconds)
        while ContinuousClock.now < end {
            for _ in 0..<100 {
                for segment in collector.step(policy: policy, policyVersion: 1, plan: .policyOnly, expertActions: nil) {
                    bytes += WireCodec.encode(.trajectory(segment)).count
                }
            }
        }
        blackHole(bytes)
        return Double(collector.envSteps) / ((ContinuousClock.now - start) / .seconds(1))
    }

    /// CPU seconds (user + system) a process has used so far, from /proc/PID/stat.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = text.split(separator: ")").last
        else { return 0 }
        let fields = afterName.split(separator: " ")
        // Fields after "pid (comm)": state is [0]; utime and stime are stat fields 14 and 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Aggregate steps/s, and the cores the workers used on average in the window.
    func distributedRate(workers: Int, seconds: Double, topology: Topology) async throws -> (Double, Double) {
        var logger = Logger(label: "nexus.bench.rollout")
        logger.logLevel = .error
        var securitySettings = RunConfig.SecuritySettings()
        if let keys = topology.keys { (securitySettings.mode, securitySettings.keys) = (.curve, keys) } else { securitySettings.mode = .none }
        let security = RoleSecurity(securitySettings)
        let endpoint = try Endpoint(parsing: "tcp://\(topology.bindHost):*")
        let control = try RouterSocket(bind: [endpoint], options: try security.server(endpoint), logger: logger)
        var pullOptions = SocketOptions.default
        pullOptions.inboundCapacity = 4096
        let pull = try PullSocket(bind: [endpoint], options: try security.server(endpoint, pullOptions), logger: logger)
        let publisher = try PublisherSocket(bind: [endpoint], options: try security.server(endpoint), logger: logger)
        var config = RunConfig.defaults(for: CartPole.spec.id)
        config.security = securitySettings
        config.endpoints.control = control.endpoints[0].description
        config.endpoints.trajectories = pull.endpoints[0].description
        config.endpoints.weights = publisher.endpoints[0].description
        config.endpoints.expert = "tcp://127.0.0.1:1"
        config.worker.envs = Self.envs
        config.worker.segmentSteps = Self.segmentSteps
        config.worker.versionWaitSeconds = 0
        let yaml = try ConfigLoader.yaml(config)
        let weights = Weights(version: 1, runID: "bench", models: [Self.policy().model(), RolloutPlan.policyOnly.model()])

        let children = try (1...UInt32(workers)).map { id in
            let process = Process()
            let prefix = topology.workerPrefix(id)
            process.executableURL = prefix.isEmpty ? executable : URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + (prefix.isEmpty ? [] : [executable.path])
                + ["worker", "--learner", control.endpoints[0].description, "--worker-id", "\(id)", "--log-level", "error",
                   "--set", "security.mode=\(securitySettings.mode.rawValue)", "--set", "security.keys='\(securitySettings.keys)'"]
            process.standardInput = Pipe()
            try process.run()
            return process
        }
        defer { for child in children where child.isRunning { child.terminate() } }

        let steps = SharedCounter()
        steps.pause()
        let expectations = WireExpectations(envID: CartPole.spec.id, observationDim: 4, actionDim: 1, discreteActions: 2, maxSegmentSteps: Self.segmentSteps)
        let receiving = Task {
            while true {
                if case .trajectory(let segment) = try await pull.receiveMessage(expecting: expectations) {
                    steps.add(segment.stepCount)
                }
            }
        }
        let serving = Task {
            while true {
                let (peer, message) = try await control.receiveMessage()
                if case .control(.hello(let hello)) = message {
                    try await control.send(to: peer, .control(.welcome(.init(workerID: hello.workerID, runID: "bench", runConfig: yaml, weights: weights))))
                }
            }
        }
        // Warm-up: every worker joined and streaming.
        try await Task.sleep(for: .seconds(1.0))
        steps.restart()
        let cpuBefore = children.reduce(0) { $0 + Self.cpuSeconds($1.processIdentifier) }
        let start = ContinuousClock.now
        try await Task.sleep(for: .seconds(seconds))
        let elapsed = (ContinuousClock.now - start) / .seconds(1)
        let total = steps.total
        let cpuUsed = children.reduce(0) { $0 + Self.cpuSeconds($1.processIdentifier) } - cpuBefore
        for child in children { child.terminate() }
        for child in children { child.waitUntilExit() }
        receiving.cancel()
        serving.cancel()
        await pull.close()
        await control.close()
        await publisher.close()
        return (Double(total) / elapsed, max(cpuUsed / elapsed, 1e-9))
    }
}
