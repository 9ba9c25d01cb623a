import NexusTransport

/// The peers the learner has heard from on its control socket, by routing id, with the worker
/// id they gave and when they were last heard. Bounded: a flood of new routing ids must not
/// grow it without limit (past `capacity`, the peers heard from longest ago are forgotten).
struct WorkerRoster {
    struct Entry {
        var workerID: UInt32
        var lastHeard: ContinuousClock.Instant
        /// From the peer's hello (empty for a peer only heard by heartbeat, e.g. by a
        /// restarted learner).
        var host = ""
        var pid: UInt32 = 0
    }

    private(set) var entries: [PeerID: Entry] = [:]
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    mutating func heard(_ peer: PeerID, workerID: UInt32, host: String? = nil, pid: UInt32? = nil, at now: ContinuousClock.Instant = .now) {
        if entries[peer] == nil, entries.count >= capacity {
            // The quarter heard from longest ago goes at once: one sort per capacity/4 new
            // peers, not a scan of the table for each hello of a flood.
            for (stale, _) in entries.sorted(by: { $0.value.lastHeard < $1.value.lastHeard }).prefix(max(1, capacity / 4)) {
                entries.removeValue(forKey: stale)
            }
        }
        let known = entries[peer]
        entries[peer] = Entry(workerID: workerID, lastHeard: now, host: host ?? known?.host ?? "", pid: pid ?? known?.pid ?? 0)
    }

    /// Another peer (another process) heard under `workerID` within `window`: a worker whose
    /// hello uses that id is a second one with the same id, or a restart of one that died
    /// less than `window` ago (it is refused until the dead one's silence passes `window`).
    func holder(of workerID: UInt32, besides peer: PeerID, within window: Duration, at now: ContinuousClock.Instant = .now) -> Entry? {
        entries.lazy.filter { $0.key != peer && $0.value.workerID == workerID && now - $0.value.lastHeard < window }.map(\.value).first
    }

    var peers: [PeerID] { Array(entries.keys) }

    func activePeers(within timeout: Duration, at now: ContinuousClock.Instant = .now) -> [(peer: PeerID, workerID: UInt32)] {
        entries.filter { now - $0.value.lastHeard < timeout }.map { ($0.key, $0.value.workerID) }
    }

    func active(within timeout: Duration, at now: ContinuousClock.Instant = .now) -> Int {
        activePeers(within: timeout, at: now).count
    }

    /// Seconds since each worker id was last heard (by any of its routing ids: a restarted
    /// worker says hello from a new one), at most `limit` ids, lowest first. The launcher
    /// replaces a worker that stays silent (stopped, wedged) while its process still runs.
    func silentSeconds(limit: Int = 256, at now: ContinuousClock.Instant = .now) -> [(workerID: UInt32, seconds: Double)] {
        var newest: [UInt32: ContinuousClock.Instant] = [:]
        for entry in entries.values { newest[entry.workerID] = max(newest[entry.workerID] ?? entry.lastHeard, entry.lastHeard) }
        return newest.sorted { $0.key < $1.key }.prefix(limit).map { ($0.key, (now - $0.value) / .seconds(1)) }
    }
}
