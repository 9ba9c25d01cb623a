/// Failed `gym:` environment steps over the run, from what each worker process reports in
/// its heartbeats (a running count of its own) and the learner's own evaluation failures. A
/// worker whose count drops was restarted: its new count adds from zero.
struct EnvFailureTally: Sendable, Equatable {
    private var lastReported: [UInt32: UInt64] = [:]
    private(set) var total: UInt64 = 0

    /// A heartbeat of worker `id` reporting `count` failures.
    mutating func heard(worker id: UInt32, count: UInt64) {
        let last = lastReported[id] ?? 0
        total += count >= last ? count - last : count
        lastReported[id] = count
    }

    /// Failures of the learner's own (evaluation) environment.
    mutating func add(_ count: UInt64) { total += count }
}
