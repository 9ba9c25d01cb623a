import NexusTransport
import Testing

@testable import NexusRuntime

@Suite("Control plane and liveness rules")
struct LivenessTests {
    @Test("the roster stays bounded under a flood of new routing ids and keeps the newest")
    func rosterBounded() {
        var roster = WorkerRoster(capacity: 100)
        let start = ContinuousClock.now
        for index in 0..<10_000 { roster.heard(PeerID(Array("peer-\(index)".utf8)), workerID: 7, at: start + .milliseconds(index)) }
        #expect(roster.entries.count <= 100)
        #expect(roster.entries[PeerID(Array("peer-9999".utf8))] != nil)
        #expect(roster.entries[PeerID(Array("peer-0".utf8))] == nil)
    }

    @Test("a worker's silence is measured from the newest of its routing ids")
    func silence() {
        var roster = WorkerRoster()
        let start = ContinuousClock.now
        roster.heard(PeerID([1]), workerID: 3, at: start)
        roster.heard(PeerID([2]), workerID: 3, at: start + .seconds(4))
        roster.heard(PeerID([3]), workerID: 5, at: start + .seconds(1))
        let silent = roster.silentSeconds(at: start + .seconds(5))
        #expect(silent.map(\.workerID) == [3, 5])
        #expect(silent.map(\.seconds) == [1, 4])
        #expect(roster.active(within: .seconds(2), at: start + .seconds(5)) == 1)
    }

    @Test("the welcome ration: a burst of `capacity`, then the refill rate")
    func tokenBucket() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(capacity: 4, refillPerSecond: 2, now: start)
        #expect((0..<10).filter { _ in bucket.take(at: start) }.count == 4)
        #expect(bucket.take(at: start + .milliseconds(400)) == false)
        #expect(bucket.take(at: start + .milliseconds(600)) == true)
        #expect((0..<10).filter { _ in bucket.take(at: start + .seconds(100)) }.count == 4)
    }

    @Test("a worker is replaced after silent_heartbeats intervals, judged only since its process started; a role after unresponsive_seconds")
    func rules() {
        var liveness = Liveness(heartbeatSeconds: 1, silentHeartbeats: 2.5, unresponsiveSeconds: 4)
        #expect(!liveness.workerIsSilent(silentSeconds: 2, processAge: 60))
        #expect(liveness.workerIsSilent(silentSeconds: 2.6, processAge: 60))
        // A replacement that has not said hello yet is judged by its predecessor's silence.
        #expect(!liveness.workerIsSilent(silentSeconds: 9, processAge: 3))
        let start = ContinuousClock.now
        liveness.answered("learner", at: start)
        #expect(liveness.overdue("learner", at: start + .seconds(3)) == nil)
        #expect(liveness.overdue("learner", at: start + .seconds(5)) == .seconds(5))
        #expect(liveness.overdue("expert", at: start + .seconds(500)) == nil, "never started: nothing to judge")
    }
}
