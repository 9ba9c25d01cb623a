/// Whom the learner asks for another share when it waits for data (`DataWait`): one worker
/// whose share of the version is in — its newest segment is of that version, and it has been
/// quiet the longest. Asking every worker would bring a share from each: with one of four gone,
/// three shares for the one missing, two of them labelled with a version about to be replaced.
/// Bounded like the roster: past `capacity` workers, those heard from longest ago go.
/// Seconds on any monotonic clock.
struct ShareLedger {
    /// Trajectory segments received so far (`DataWait` tells a quiet wait from a slow one by it).
    private(set) var received: UInt64 = 0
    private var newest: [UInt32: (version: UInt64, at: Double)] = [:]
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    mutating func segment(from workerID: UInt32, version: UInt64, at now: Double) {
        received += 1
        if newest[workerID] == nil, newest.count >= capacity {
            for (stale, _) in newest.sorted(by: { $0.value.at < $1.value.at }).prefix(max(1, capacity / 4)) { newest.removeValue(forKey: stale) }
        }
        newest[workerID] = (version, now)
    }

    /// The worker to ask at `now` for more of `version` among `live` ones: of those whose newest
    /// segment is of `version`, the one quiet the longest (the lower id on a tie); nil when none
    /// has sent one (none has that version yet, or all are still collecting it). Being asked
    /// counts as being heard: a worker that does not answer (stopped, and not yet timed out) is
    /// not asked again before the others.
    mutating func ask(version: UInt64, among live: Set<UInt32>, at now: Double) -> UInt32? {
        let chosen = newest.filter { live.contains($0.key) && $0.value.version == version }
            .min { ($0.value.at, $0.key) < ($1.value.at, $1.key) }?.key
        if let chosen { newest[chosen]?.at = now }
        return chosen
    }
}
