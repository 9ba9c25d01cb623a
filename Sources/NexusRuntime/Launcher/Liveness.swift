/// The launcher's rules for processes that run but have stopped working (SIGSTOP, a
/// deadlock, a livelock): they are killed, and then restarted like a crashed process.
struct Liveness {
    /// A worker is replaced after this many heartbeat intervals unheard by the learner.
    let workerSilence: Double
    /// A learner or expert is replaced after this long without answering status.
    let unresponsive: Duration
    private var lastAnswer: [String: ContinuousClock.Instant] = [:]

    init(heartbeatSeconds: Double, silentHeartbeats: Double, unresponsiveSeconds: Double) {
        workerSilence = heartbeatSeconds * silentHeartbeats
        unresponsive = .seconds(unresponsiveSeconds)
    }

    /// A process was (re)started or answered: its clock starts again.
    mutating func answered(_ name: String, at now: ContinuousClock.Instant = .now) { lastAnswer[name] = now }

    /// How long `name` has not answered, if longer than allowed.
    func overdue(_ name: String, at now: ContinuousClock.Instant = .now) -> Duration? {
        guard let last = lastAnswer[name], now - last > unresponsive else { return nil }
        return now - last
    }

    /// Whether a worker process `processAge` seconds old, unheard for `silentSeconds`, is to
    /// be replaced. Only silence since this process started counts: a replacement that has
    /// not said hello yet is judged by its predecessor's last heartbeat otherwise.
    func workerIsSilent(silentSeconds: Double, processAge: Double) -> Bool {
        silentSeconds > workerSilence && silentSeconds < processAge
    }
}
