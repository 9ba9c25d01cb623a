/// When the learner, waiting for data to train on, asks its workers for more
/// (`ControlMessage.moreData`). A worker whose plan asks the expert waits for the next version
/// after its share (`WorkerCore.queryVersionWaitSeconds`) rather than spend queries on a plan
/// about to change; the shares add up to an iteration, so the learner trains and the version
/// comes. Where they do not — a worker gone, segments refused — nothing arrives: after `after`
/// seconds without a segment, the learner asks, and again after each further quiet `after`.
/// Seconds on any monotonic clock.
struct DataWait: Equatable {
    let after: Double
    /// When the current quiet stretch began (nil while the learner is busy training).
    private var quietSince: Double?
    private var received: UInt64 = 0

    /// `after` 0: never asks (workers that never wait need no asking).
    init(after: Double) {
        precondition(after >= 0 && after.isFinite, "a wait is finite and ≥ 0")
        self.after = after
    }

    /// The learner waits for data at `now`, `received` segments having arrived so far (a
    /// running count): whether to ask for more now.
    mutating func waiting(now: Double, received: UInt64) -> Bool {
        guard let since = quietSince, received == self.received else {
            // The wait starts, or a segment came: a new quiet stretch.
            (quietSince, self.received) = (now, received)
            return false
        }
        guard after > 0, now - since >= after else { return false }
        quietSince = now
        return true
    }

    /// The learner trained: the next wait starts afresh (evaluating after an iteration is not
    /// waiting for data).
    mutating func trained() { quietSince = nil }
}
