import Logging
import NexusEnvironments
import NexusTransport
import NexusWire

/// A worker's line to the expert: one batched query per vector step. An answer that does not
/// come within the timeout (the expert is down, restarting, or lost the query) is asked for
/// again with backoff, under a new request id; late answers to old ids are ignored. So a
/// worker waits through an expert restart and never deadlocks; cancelling the task stops it.
/// An answer that cannot be used — an error, the wrong number of rows, a discrete action out of
/// range (refused while decoding) — is counted and asked for again the same way: a faulty or
/// hostile expert slows a worker down but never stops it.
public final class ExpertClient: Sendable {
    private let socket: DealerSocket
    private let workerID: UInt32
    private let envID: String
    private let actionDim: Int
    private let discreteActions: Int?
    private let timeout: Double
    private let retryInitial: Double
    private let retryMax: Double
    private let logger: Logger
    private let requests = RequestCounter()

    public init(
        endpoint: Endpoint, workerID: UInt32, envID: String, actionDim: Int, discreteActions: Int? = nil, settings: RunConfig.WorkerSettings,
        security: RoleSecurity = RoleSecurity(RunConfig.SecuritySettings()), logger: Logger
    ) throws {
        socket = try DealerSocket(connect: [endpoint], options: try security.client(endpoint), logger: logger)
        self.workerID = workerID
        self.envID = envID
        self.actionDim = actionDim
        self.discreteActions = discreteActions
        timeout = settings.expertTimeoutSeconds
        retryInitial = settings.retryInitialSeconds
        retryMax = settings.retryMaxSeconds
        self.logger = logger
    }

    /// The expert socket's thread: a rollout loop that prefers it sends each query and
    /// resumes with its answer without a thread hop (its compute runs while the socket is
    /// idle anyway, waiting for the next query).
    public var taskExecutor: any TaskExecutor { socket.taskExecutor }

    /// Retries so far (queries unanswered in time, or answered unusably).
    public var retries: Int { requests.retries }
    /// Answers that could not be used (refused by the expert, wrong row count) or did not
    /// decode as valid actions for this environment.
    public var refusedAnswers: Int { requests.refused }

    /// A client for every expert of the run (`RunConfig.expertEndpoints`).
    public static func panel(for config: RunConfig, spec: EnvironmentSpec, workerID: UInt32, security: RoleSecurity, logger: Logger) throws -> [ExpertClient] {
        try config.expertEndpoints.map {
            try ExpertClient(
                endpoint: try Endpoint(parsing: $0), workerID: workerID, envID: spec.id, actionDim: spec.actionSpace.dimension,
                discreteActions: spec.actionSpace.discreteCount, settings: config.worker, security: security, logger: logger)
        }
    }

    /// Every expert's labels for the same rows, asked at once (one expert: on this task, which
    /// runs on that expert socket's thread).
    public static func askAll(_ experts: [ExpertClient], _ observations: [Float], rows: Int, observationDim: Int) async throws -> [[Float]] {
        if experts.count == 1 { return [try await experts[0].label(observations, rows: rows, observationDim: observationDim)] }
        return try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, expert) in experts.enumerated() {
                group.addTask { (index, try await expert.label(observations, rows: rows, observationDim: observationDim)) }
            }
            var answers = [[Float]](repeating: [], count: experts.count)
            for try await (index, labels) in group { answers[index] = labels }
            return answers
        }
    }

    /// The expert's actions for `rows` observations (`[rows, observationDim]`). After
    /// `attempts` unanswered or unusable tries in a row it gives up, naming the last reason
    /// (a worker never does: its expert may be restarting; a one-off command does).
    public func label(_ observations: [Float], rows: Int, observationDim: Int, attempts: Int = .max) async throws -> [Float] {
        var backoff = Backoff(initial: retryInitial, maximum: retryMax)
        var attempt = 0
        while true {
            attempt += 1
            let id = requests.next()
            let query = ExpertQuery(requestID: id, workerID: workerID, envID: envID, observations: Tensor(rows: rows, columns: observationDim, data: observations))
            do {
                try await socket.send(.expertQuery(query))
                return try await awaitAnswer(id: id, rows: rows, deadline: ContinuousClock.now + .seconds(timeout))
            } catch TransportError.timedOut {
                requests.noteRetry()
                guard attempt < attempts else { throw RuntimeError("the expert did not answer \(attempts) queries in a row, each within \(timeout) s") }
                let delay = backoff.next()
                logger.warning("no expert answer in \(timeout) s; asking again in \(delay) s")
                try await Task.sleep(for: .seconds(delay))
            } catch let refusal as UnusableAnswer {
                requests.noteRefused()
                guard attempt < attempts else { throw RuntimeError("the expert's last \(attempts) answers were unusable; the last: \(refusal.reason)") }
                let delay = backoff.next()
                logger.warning("unusable expert answer (\(refusal.reason)); asking again in \(delay) s")
                try await Task.sleep(for: .seconds(delay))
            }
        }
    }

    /// The answer to request `id`; older answers are skipped. The socket enforces the
    /// deadline (no timer task per query: that cost ~50 µs of a ~130 µs round trip).
    private func awaitAnswer(id: UInt64, rows: Int, deadline: ContinuousClock.Instant) async throws -> [Float] {
        let expectations = WireExpectations(actionDim: actionDim, discreteActions: discreteActions)
        while true {
            let remaining = max(0, (deadline - ContinuousClock.now) / .seconds(1))
            let payload = try await socket.receive(timeout: remaining)
            let message: WireMessage
            do {
                message = try payload.withUnsafeBytes { try WireCodec.decode($0, expecting: expectations) }
            } catch {
                // Its request id cannot be read, but one query is outstanding: it is that
                // query's answer, refused now rather than waited out to the timeout.
                throw UnusableAnswer(reason: "an answer that does not decode as actions for \(envID): \(error)")
            }
            guard case .expertAnswer(let answer) = message, answer.requestID == id else { continue }
            switch answer.result {
            case .actions(let actions):
                guard actions.rows == rows else { throw UnusableAnswer(reason: "\(actions.rows) rows for \(rows) states") }
                return actions.data
            case .error(let reason):
                throw UnusableAnswer(reason: "the expert refused the query: \(reason.prefix(200))")
            }
        }
    }

    public func close() async { await socket.close() }
}

/// An expert answer the worker cannot act on.
struct UnusableAnswer: Error {
    let reason: String
}

/// Request ids and the retry count, shared by the client's calls.
final class RequestCounter: Sendable {
    private let state = Mutex<(next: UInt64, retries: Int, refused: Int)>((0, 0, 0))
    func next() -> UInt64 { state.withLock { $0.next += 1; return $0.next } }
    func noteRetry() { state.withLock { $0.retries += 1 } }
    func noteRefused() { state.withLock { $0.refused += 1; $0.retries += 1 } }
    var retries: Int { state.withLock { $0.retries } }
    var refused: Int { state.withLock { $0.refused } }
}

import Synchronization
