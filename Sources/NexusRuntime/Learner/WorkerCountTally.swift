/// A count the workers keep over this learner's life (failed `gym:` environment steps, expert
/// queries without a usable answer), from what each worker process reports in its heartbeats
/// (a running count of its own), by process: a restarted worker (a new process, a new routing
/// id) counts from zero, its predecessor's count stays.
struct WorkerCountTally: Sendable, Equatable {
    private var lastReported: [[UInt8]: UInt64] = [:]
    private(set) var total: UInt64 = 0

    /// A heartbeat of the worker process `process` (its routing id) reporting `count`.
    mutating func heard(process: [UInt8], count: UInt64) {
        let last = lastReported[process] ?? 0
        // A count never drops within one process; a forged one that does adds nothing.
        if count > last { total += count - last }
        lastReported[process] = max(count, last)
    }
}
