import CoreMetrics
import Dispatch
import Logging
import NexusAlgorithms
import NexusEnvironments
import NexusTransport
import NexusWire
import Synchronization

/// The expert process: a ROUTER that labels batches of states for every worker at once.
/// Whatever queries have arrived when it looks (up to `max_batch` states, waiting at most
/// `max_wait_milliseconds` for more after the first) are answered in one pass. Runs on the
/// socket's own thread, so a query and its answer cross no thread boundary.
public final class ExpertServer: Sendable {
    public struct Statistics: Sendable {
        public var queries = 0
        public var states = 0
        public var batches = 0
        public var refused = 0
        var latency = LatencyRecorder()
        public var latencyP50: Double { latency.quantile(0.5) }
        public var latencyP99: Double { latency.quantile(0.99) }
    }

    /// Most states in one query: a worker asks for at most `worker.envs` (≤ 4096) rows, the
    /// learner for at most `mega.imagined_labels` (≤ 4096).
    public static let maxQueryRows = 4096

    public let socket: RouterSocket
    private let expert: any Expert
    /// Queries larger than `maxQueryRows` states are refused by size before they are decoded.
    private let limits: WireLimits
    /// Logs the first refusal of each kind from each peer; the rest are counted.
    private let refusals: RejectionLog
    private let spec: EnvironmentSpec
    private let maxBatch: Int
    private let maxWait: Double
    private let logger: Logger
    private let stats = Mutex(Statistics())
    /// Each answer's time from the batch's first query to the reply (Prometheus histogram);
    /// the status's totals are mirrored as counters.
    private let queryLatency = Timer(label: "nexus_expert_query_duration_seconds")
    private let metricsMirror = MetricsMirror(
        role: "expert", counters: ["queries", "states", "batches", "rejected_messages", "slow_peer_replies_dropped", "handshake_failures", "auth_failures"])

    public init(
        spec: EnvironmentSpec, arguments: EnvironmentArguments = .none, bind endpoint: Endpoint, settings: RunConfig.ExpertSettings, seed: UInt64 = 0,
        security: RoleSecurity = RoleSecurity(RunConfig.SecuritySettings()), logger: Logger
    ) throws {
        self.spec = spec
        expert = try ExpertSource.make(spec: spec, policyFile: settings.policy, arguments: arguments, imperfection: settings.imperfection, seed: seed)
        maxBatch = settings.maxBatch
        maxWait = settings.maxWaitMilliseconds / 1000
        self.logger = logger
        var options = SocketOptions.default
        options.inboundCapacity = 4096
        // Answers are small and a worker has one query out at a time: a peer that does not
        // read holds at most this many, the rest are dropped (`reply`).
        options.sendHighWaterMark = 64
        // And each peer has at most this many queries waiting in libzmq (up to 64 KiB each):
        // one that sends without waiting for answers is slowed by TCP, not buffered here.
        options.receiveHighWaterMark = 16
        socket = try RouterSocket(bind: [endpoint], options: try security.server(endpoint, options), logger: logger)
        if let line = try security.describe([endpoint], binding: true) { logger.notice("\(line)") }
        var limits = WireLimits.default
        limits.maxTensorElements = Self.maxQueryRows * spec.observationDim
        limits.maxMessageBytes = limits.maxTensorElements * MemoryLayout<Float>.size + 64 * 1024
        self.limits = limits
        refusals = RejectionLog(logger: logger, socket: "expert \(socket.endpoints[0])")
    }

    public var endpoint: Endpoint { socket.endpoints[0] }
    public var statistics: Statistics { stats.withLock { $0 } }
    public var rejectedMessages: Int { Int(socket.statistics.rejectedMessages) + stats.withLock { $0.refused } }

    /// Serves until `stop` fires.
    public func run(until stop: StopSignal) async throws {
        try await runUntilStopped(stop, [
            RoleLoop(on: socket.taskExecutor) { [self] in
                while true { try await serveBatch() }
            },
            RoleLoop { [self] in try await metricsMirror.run { status.metrics } },
        ])
        await socket.close()
    }

    private func serveBatch() async throws {
        var batch = [try await socket.receiveMessage(limits: limits)]
        let started = DispatchTime.now().uptimeNanoseconds
        var rows = Self.rows(of: batch[0].message)
        let deadline = started + UInt64(maxWait * 1e9)
        while rows < maxBatch {
            // What has arrived joins at once; then wait (on the socket, not spinning) for more
            // until the first query's wait is up.
            var more = socket.tryReceiveMessage(limits: limits)
            let now = DispatchTime.now().uptimeNanoseconds
            if more == nil, now < deadline {
                do {
                    more = try await socket.receiveMessage(limits: limits, timeout: Double(deadline - now) / 1e9)
                } catch TransportError.timedOut {
                }
            }
            guard let more else { break }
            batch.append(more)
            rows += Self.rows(of: more.message)
        }
        let answers = label(batch)
        for (peer, answer) in answers { try socket.reply(to: peer, answer) }
        let nanoseconds = DispatchTime.now().uptimeNanoseconds - started
        stats.withLock { stats in
            stats.batches += 1
            for _ in answers { stats.latency.record(Double(nanoseconds) / 1e9) }
        }
        for _ in answers { queryLatency.recordNanoseconds(nanoseconds) }
    }

    private static func rows(of message: WireMessage) -> Int {
        if case .expertQuery(let query) = message { return query.observations.rows }
        return 0
    }

    /// The expert's counters as a status message: the launcher's liveness probe.
    private var status: ControlMessage.Status {
        let stats = statistics
        return .init(role: "expert", runID: "", policyVersion: 0, metrics: [
            Metric(name: "queries", value: Double(stats.queries)), Metric(name: "states", value: Double(stats.states)),
            Metric(name: "batches", value: Double(stats.batches)), Metric(name: "rejected_messages", value: Double(rejectedMessages)),
            Metric(name: "slow_peer_replies_dropped", value: Double(socket.statistics.droppedSlowPeer)),
            Metric(name: "handshake_failures", value: Double(socket.statistics.handshakeFailures)),
            Metric(name: "auth_failures", value: Double(socket.statistics.authFailures(under: socket.options.security))),
        ])
    }

    /// Labels every valid query of the batch in one pass; refuses the others with a reason,
    /// and answers status requests.
    private func label(_ batch: [(peer: PeerID, message: WireMessage)]) -> [(PeerID, WireMessage)] {
        let actionDim = spec.actionSpace.dimension
        let expectations = WireExpectations(envID: spec.id, observationDim: spec.observationDim)
        var answers: [(PeerID, WireMessage)] = []
        var labelled = 0
        var queries = 0
        for (peer, message) in batch {
            if case .control(.statusRequest) = message {
                answers.append((peer, .control(.status(status))))
                continue
            }
            guard case .expertQuery(let query) = message else {
                stats.withLock { $0.refused += 1 }
                refusals.record(RuntimeError("a \(message.kindName) message is not a query"), from: "peer \(peer)")
                continue
            }
            queries += 1
            do {
                try query.validate(expecting: expectations)
            } catch {
                stats.withLock { $0.refused += 1 }
                answers.append((peer, .expertAnswer(ExpertAnswer(requestID: query.requestID, result: .error("\(error)")))))
                continue
            }
            let count = query.observations.rows
            let actions = expert.act(batch: query.observations.data, rows: count, actionDim: actionDim)
            labelled += count
            answers.append((peer, .expertAnswer(ExpertAnswer(requestID: query.requestID, result: .actions(Tensor(rows: count, columns: actionDim, data: actions))))))
        }
        stats.withLock { stats in
            stats.queries += queries
            stats.states += labelled
        }
        return answers
    }
}
