import Dispatch
import Logging
import NexusEnvironments
import NexusNN
import NexusRuntime
import NexusTransport
import NexusWire
import Synchronization

/// `nexus bench expert`: the expert server (the real `ExpertServer`, on its own socket
/// thread) answering 8 concurrent workers' batched queries of 8 CartPole states.
///
/// - throughput: labelled states/s through the sockets; baseline: raw libzmq, 8 REQ threads
///   and a ROUTER thread echoing the same bytes (no decoding, no labelling), same run.
/// - round trip of one query from one worker (p50, p99); baseline: raw libzmq REQ/REP of the
///   same bytes, measured in the same run.
public struct ExpertBench: Sendable {
    public var settings: BenchSettings
    public init(_ settings: BenchSettings = BenchSettings()) { self.settings = settings }

    public static let caseNames = ["throughput_8_workers", "round_trip"]
    static let statesPerQuery = 8
    static let workers = 8

    public func run(_ reporter: BenchReporter) async throws {
        try settings.requireMatch(in: Self.caseNames, bench: "expert")
        var logger = Logger(label: "nexus.bench.expert")
        logger.logLevel = .error
        let server = try ExpertServer(spec: CartPole.spec, bind: .loopbackAnyPort, settings: RunConfig.ExpertSettings(), logger: logger)
        let stop = StopSignal()
        let serving = Task { try await server.run(until: stop) }
        defer { stop.trigger("done") }
        let observations = Self.sampleObservations(count: Self.statesPerQuery * 64)
        var workerSettings = RunConfig.WorkerSettings()
        workerSettings.expertTimeoutSeconds = 10

        if settings.selected("throughput_8_workers") {
            let seconds = settings.quick ? 0.3 : 2.0
            let clients = try (0..<Self.workers).map {
                try ExpertClient(endpoint: server.endpoint, workerID: UInt32($0), envID: CartPole.spec.id, actionDim: 1, settings: workerSettings, logger: logger)
            }
            let labelled = SharedCounter()
            let deadline = ContinuousClock.now + .seconds(seconds)
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in clients {
                    group.addTask(executorPreference: client.taskExecutor) {
                        var offset = 0
                        while ContinuousClock.now < deadline {
                            let rows = Self.statesPerQuery, dim = CartPole.spec.observationDim
                            let slice = Array(observations[(offset * dim)..<((offset + rows) * dim)])
                            _ = try await client.label(slice, rows: rows, observationDim: dim)
                            labelled.add(rows)
                            offset = (offset + rows) % (observations.count / dim - rows)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = (ContinuousClock.now - started) / .seconds(1)
            let rate = Double(labelled.total) / elapsed
            for client in clients { await client.close() }
            let size = Self.querySize(observations)
            let rawRequests = await RawZeroMQ.concurrentRequestReplyRate(clients: Self.workers, size: size, seconds: seconds)
            reporter.report(BenchRecord(
                bench: "expert", case: "throughput_8_workers", metric: "states_per_s", value: rate, unit: "states/s",
                baseline: rawRequests * Double(Self.statesPerQuery)))
        }

        if settings.selected("round_trip") {
            let count = settings.quick ? 300 : 3000
            let client = try ExpertClient(endpoint: server.endpoint, workerID: 99, envID: CartPole.spec.id, actionDim: 1, settings: workerSettings, logger: logger)
            let dim = CartPole.spec.observationDim
            let query = Array(observations[0..<(Self.statesPerQuery * dim)])
            var samples = try await Task(executorPreference: client.taskExecutor) {
                var samples: [Double] = []
                for index in 0..<(count + 100) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = try await client.label(query, rows: Self.statesPerQuery, observationDim: dim)
                    if index >= 100 { samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3) }
                }
                return samples
            }.value
            await client.close()
            let size = Self.querySize(observations)
            let raw = await RawZeroMQ.requestReplyMicroseconds(size: size, count: count, warmup: 100).sorted()
            samples.sort()
            for (metric, fraction) in [("p50", 0.5), ("p99", 0.99)] {
                reporter.report(BenchRecord(
                    bench: "expert", case: "round_trip", metric: metric, value: Measure.percentile(samples, fraction), unit: "us",
                    baseline: Measure.percentile(raw, fraction)))
            }
        }
        stop.trigger("done")
        try await serving.value
    }

    /// States a CartPole episode visits under the expert (realistic inputs).
    static func sampleObservations(count: Int) -> [Float] {
        var environment = CartPole()
        var random = RandomSource(seed: 7)
        environment.reset(random: &random)
        let expert = CartPoleExpert()
        var result: [Float] = []
        var action: [Float] = [0]
        for _ in 0..<count {
            let observation = environment.observation()
            result += observation
            observation.withUnsafeBufferPointer { o in action.withUnsafeMutableBufferPointer { expert.act(o, into: $0) } }
            if environment.step(action).terminated { environment.reset(random: &random) }
        }
        return result
    }

    /// Bytes of one query of `statesPerQuery` states, as the raw baselines send.
    static func querySize(_ observations: [Float]) -> Int {
        let dim = CartPole.spec.observationDim
        let rows = Array(observations[0..<(statesPerQuery * dim)])
        return WireCodec.encode(.expertQuery(ExpertQuery(
            requestID: 1, workerID: 1, envID: CartPole.spec.id, observations: Tensor(rows: statesPerQuery, columns: dim, data: rows)))).count
    }
}
