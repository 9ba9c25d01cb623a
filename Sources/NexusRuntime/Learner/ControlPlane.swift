import NexusTransport
import NexusWire
import Synchronization

/// What the learner's control socket answers from: the newest weights and training metrics
/// (set by the training loop), who was heard and when, and the welcome ration. Hellos,
/// heartbeats and status requests are answered from here without waiting for the learner
/// actor, which may be busy with an iteration for seconds: a heartbeat must be noted when it
/// arrives, or a busy learner would look like silent workers to the launcher.
final class ControlPlane: Sendable {
    private struct State {
        var served = ""
        var weights: Weights?
        var metrics: [Metric] = []
        var metricsTaken = ContinuousClock.now
        var roster = WorkerRoster()
        var welcomeBudget: TokenBucket
        var welcomesWithoutWeights: UInt64 = 0
        /// Hellos refused because another live process holds their worker id, and a ration
        /// of log lines for them (a flood of such hellos must not flood the log).
        var hellosRefused: UInt64 = 0
        var envFailures = WorkerCountTally()
        var expertRetries = WorkerCountTally()
        var refusalLog = TokenBucket(capacity: 5, refillPerSecond: 0.2)
        /// The last status answer, encoded, and when: a flood of status requests is answered
        /// from it for `statusReuse` instead of building and encoding each answer.
        var encodedStatus: (bytes: [UInt8], at: ContinuousClock.Instant)?
    }

    static let statusReuse = Duration.milliseconds(50)

    private let state: Mutex<State>
    private let runID: String
    private let workerTimeout: Duration

    /// A worker id heard this recently from one process is refused to another.
    private let idHeldFor: Duration

    init(runID: String, workers: Int, workerTimeoutSeconds: Double, idHeldSeconds: Double) {
        self.runID = runID
        workerTimeout = .seconds(workerTimeoutSeconds)
        idHeldFor = .seconds(idHeldSeconds)
        // Weights-sized welcomes are rationed: every worker of the run can join at once, and
        // a flood of hellos from new routing ids gets welcomes without weights (the weights
        // socket repeats them each second).
        let workers = Double(max(1, workers))
        state = Mutex(State(welcomeBudget: TokenBucket(capacity: max(8, 2 * workers), refillPerSecond: max(2, workers))))
    }

    func serve(config yaml: String) { state.withLock { $0.served = yaml } }
    func publish(_ weights: Weights) { state.withLock { $0.weights = weights } }

    /// The newest weights published.
    var weights: Weights? { state.withLock { $0.weights } }

    /// The training loop is busy but alive (a long evaluation): its status is fresh.
    func touch() { state.withLock { $0.metricsTaken = .now } }

    func publish(metrics: [Metric]) {
        state.withLock { state in
            state.metrics = metrics
            state.metricsTaken = .now
        }
    }

    func heard(_ peer: PeerID, workerID: UInt32, envFailures: UInt64 = 0, expertRetries: UInt64 = 0) {
        state.withLock { state in
            state.roster.heard(peer, workerID: workerID)
            state.envFailures.heard(process: peer.bytes, count: envFailures)
            state.expertRetries.heard(process: peer.bytes, count: expertRetries)
        }
    }

    /// Failed gym: environment steps the workers reported.
    var envFailures: UInt64 { state.withLock { $0.envFailures.total } }
    /// Expert queries the workers had to ask again (an error answer, or none in time).
    var expertRetries: UInt64 { state.withLock { $0.expertRetries.total } }

    var peers: [PeerID] { state.withLock { $0.roster.peers } }

    /// The peers heard from within the worker timeout, with their worker ids.
    var activePeers: [(peer: PeerID, workerID: UInt32)] { state.withLock { $0.roster.activePeers(within: workerTimeout) } }

    /// The welcome for `hello`, and whether it carries weights (within the ration), or whether
    /// its refusal is to be logged; a refusal (`Welcome.refused`) when another live process
    /// holds its worker id, whose counts, seeds and liveness would otherwise mix with this one's.
    func welcome(_ peer: PeerID, _ hello: ControlMessage.Hello, at now: ContinuousClock.Instant = .now) -> (ControlMessage.Welcome, rationed: Bool) {
        state.withLock { state in
            if let holder = state.roster.holder(of: hello.workerID, besides: peer, within: idHeldFor, at: now) {
                let who = holder.host.isEmpty ? "another process" : "\(holder.host.prefix(64)) pid \(holder.pid)"
                let silence = String(format: "%.1f", (now - holder.lastHeard) / .seconds(1))
                let reason = "worker id \(hello.workerID) is in use by \(who) (heard \(silence) s ago); give each worker its own --worker-id, or --worker-id auto"
                state.hellosRefused += 1
                return (.refusal(workerID: hello.workerID, runID: runID, reason: reason), state.refusalLog.take(at: now))
            }
            state.roster.heard(peer, workerID: hello.workerID, host: String(hello.host.prefix(256)), pid: hello.pid, at: now)
            let withWeights = state.welcomeBudget.take()
            if !withWeights { state.welcomesWithoutWeights += 1 }
            return (.init(workerID: hello.workerID, runID: runID, runConfig: state.served, weights: withWeights ? state.weights : nil), withWeights)
        }
    }

    var welcomesWithoutWeights: UInt64 { state.withLock { $0.welcomesWithoutWeights } }
    var hellosRefused: UInt64 { state.withLock { $0.hellosRefused } }

    /// Training's metrics (with their age: a wedged training loop stops refreshing them),
    /// the sockets' counts, active workers and each worker's silence.
    func status(network: [Metric]) -> ControlMessage.Status {
        state.withLock { state in
            let now = ContinuousClock.now
            let metrics = state.metrics + network + [
                Metric(name: "status_age_seconds", value: (now - state.metricsTaken) / .seconds(1)),
                Metric(name: "workers_active", value: Double(state.roster.active(within: workerTimeout, at: now))),
            ] + state.roster.silentSeconds(at: now).map { Metric(name: Self.silentMetric + "\($0.workerID)", value: $0.seconds) }
            return .init(role: "learner", runID: runID, policyVersion: state.weights?.version ?? 0, metrics: metrics)
        }
    }

    /// The status answer encoded, built afresh at most every `statusReuse`.
    func encodedStatus(network: () -> [Metric]) -> [UInt8] {
        let now = ContinuousClock.now
        if let cached = state.withLock({ $0.encodedStatus }), now - cached.at < Self.statusReuse { return cached.bytes }
        let bytes = WireCodec.encode(.control(.status(status(network: network()))))
        state.withLock { $0.encodedStatus = (bytes, now) }
        return bytes
    }

    /// `worker_silent_seconds.<id>`: seconds since worker `id` was last heard.
    static let silentMetric = "worker_silent_seconds."
}
