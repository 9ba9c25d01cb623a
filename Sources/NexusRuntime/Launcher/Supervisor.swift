/// The launcher's rules for its children, without processes or clocks of its own: what to do
/// when one exits (the run is over, restart it now or after a backoff, leave it down, fail the
/// run) and when one stops working while it runs (kill it; its exit then counts as a crash).
/// Each role has its own budget of restarts: the learner, each expert, each worker. Times are
/// seconds on any monotonic clock; the shell (`ClusterLauncher`) carries out the actions.
struct Supervisor {
    enum Role: Hashable, Comparable, CustomStringConvertible {
        case learner
        case expert(Int)
        case worker(UInt32)

        /// What restarts are counted by (`cluster.json`'s `restarts`, the summary's `KIND_restarts`).
        static let kinds = ["learner", "expert", "worker"]

        /// One of `kinds`.
        var kind: String {
            switch self {
            case .learner: return "learner"
            case .expert: return "expert"
            case .worker: return "worker"
            }
        }

        var description: String {
            switch self {
            case .learner: return "learner"
            case .expert(let index): return index == 0 ? "expert" : "expert-\(index + 1)"
            case .worker(let id): return "worker \(id)"
            }
        }
    }

    struct Limits: Equatable {
        var learnerRestarts = 10
        var expertRestarts = 10
        var workerRestarts = 10
        /// A worker's k-th restart waits this × 2^k (at most × 64) after its crash.
        var workerBackoffSeconds = 0.2
        /// A worker unheard by the learner for this long is stopped or wedged.
        var workerSilenceSeconds = 2.5
        /// A learner or expert that has not answered status for this long is.
        var unresponsiveSeconds = 30.0
    }

    enum Action: Equatable {
        /// The learner ended the run (exit status 0).
        case finishRun
        /// Start the role again now (the learner from its newest checkpoint, on its ports).
        case restart(Role)
        /// The role runs but has stopped working: kill it (its exit comes back as a crash);
        /// `reason` says so in a sentence.
        case kill(Role, reason: String)
        /// Nothing to do now but say this (a worker's restart is scheduled, or it stays down).
        case note(String)
        /// The run cannot go on: `role` crashed too often.
        case failRun(Role, reason: String)
    }

    let limits: Limits
    /// The workers the launcher starts (ids 1…workers): with every one of them left down the
    /// run cannot go on.
    let workers: Int
    private(set) var restarts: [Role: Int] = [:]
    /// Workers whose restart is scheduled, and when it is due.
    private var due: [UInt32: Double] = [:]
    private var abandoned: Set<UInt32> = []
    /// Workers that exited cleanly (asked to stop, from outside or by the learner): not
    /// restarted, and not running either.
    private var stopped: Set<UInt32> = []
    /// When each learner or expert last answered (or started).
    private var lastAnswer: [Role: Double] = [:]
    /// Workers killed for silence whose exit has not been seen yet (killed once).
    private var silenced: Set<UInt32> = []

    init(workers: Int = 0, limits: Limits) {
        self.workers = workers
        self.limits = limits
    }

    /// Restarts so far by kind of role ("worker": all workers', "expert": all experts'), every
    /// kind present (0 where none).
    var restartCounts: [String: Int] {
        restarts.reduce(into: Dictionary(uniqueKeysWithValues: Role.kinds.map { ($0, 0) })) { $0[$1.key.kind, default: 0] += $1.value }
    }

    /// A learner or expert was started, or answered status: its silence starts afresh.
    mutating func answered(_ role: Role, at now: Double) { lastAnswer[role] = now }

    /// `role` exited (`cleanly`: status 0, no signal), described as `exit` ("exited with
    /// status 1"). The learner's clean exit ends the run; a worker's means it was asked to
    /// stop and stays stopped.
    mutating func exited(_ role: Role, cleanly: Bool, exit: String, at now: Double) -> [Action] {
        switch role {
        case .learner:
            if cleanly { return [.finishRun] }
            return restart(role, limit: limits.learnerRestarts, exit: exit, then: "resuming it from its newest checkpoint")
        case .expert:
            return restart(role, limit: limits.expertRestarts, exit: exit, then: "restarting it on its endpoint")
        case .worker(let id):
            silenced.remove(id)
            if cleanly, !abandoned.contains(id), due[id] == nil { stopped.insert(id) }
            guard !cleanly, !abandoned.contains(id), due[id] == nil else { return [] }
            let count = restarts[role, default: 0]
            guard count < limits.workerRestarts else {
                abandoned.insert(id)
                // Left down one by one (or the others stopped), the run would wait with no
                // worker until its time ran out; the last one's cause ends it instead.
                if workers > 0, (1...UInt32(workers)).allSatisfy({ abandoned.contains($0) || stopped.contains($0) }) {
                    let left = stopped.isEmpty ? "every worker crashed and was restarted \(count) times" : "no worker is left (each crashed past \(count) restarts or stopped)"
                    return [.failRun(role, reason: "\(left); the last, \(role), \(exit)")]
                }
                return [.note("\(role) \(exit); restarted \(count) times already, leaving it down")]
            }
            let delay = limits.workerBackoffSeconds * Double(1 << min(count, 6))
            due[id] = now + delay
            return [.note("\(role) \(exit); restarting it in \(delay) s")]
        }
    }

    private mutating func restart(_ role: Role, limit: Int, exit: String, then plan: String) -> [Action] {
        let count = restarts[role, default: 0] + 1
        restarts[role] = count
        guard count <= limit else { return [.failRun(role, reason: "the \(role) crashed \(count) times")] }
        return [.note("\(role) \(exit); \(plan)"), .restart(role)]
    }

    /// What is due at `now`: workers whose backoff has passed are restarted; workers the
    /// learner has not heard for too long (`workerSilences`: seconds unheard and the age of
    /// the process, for those that run), and learners or experts that stopped answering, are
    /// killed.
    mutating func tick(at now: Double, workerSilences: [UInt32: (silent: Double, processAge: Double)] = [:], running: Set<Role> = []) -> [Action] {
        var actions: [Action] = []
        for (id, time) in due.sorted(by: { $0.key < $1.key }) where time <= now {
            due[id] = nil
            restarts[.worker(id), default: 0] += 1
            actions.append(.restart(.worker(id)))
        }
        for (id, silence) in workerSilences.sorted(by: { $0.key < $1.key }) where running.contains(.worker(id)) && !silenced.contains(id) {
            // Only silence since this process started counts: a replacement that has not said
            // hello yet would be judged by its predecessor's last heartbeat otherwise.
            guard silence.silent > limits.workerSilenceSeconds, silence.silent < silence.processAge else { continue }
            silenced.insert(id)
            actions.append(.kill(.worker(id), reason: "worker \(id) has not been heard for \(Self.seconds(silence.silent)) (stopped or wedged); killing it to replace it"))
        }
        for (role, last) in lastAnswer.sorted(by: { $0.key < $1.key }) where running.contains(role) && now - last > limits.unresponsiveSeconds {
            actions.append(.kill(role, reason: "the \(role) has not answered status for \(Self.seconds(now - last)); killing it to restart it"))
            lastAnswer[role] = now
        }
        return actions
    }

    private static func seconds(_ value: Double) -> String { "\((value * 10).rounded() / 10) s" }
}
