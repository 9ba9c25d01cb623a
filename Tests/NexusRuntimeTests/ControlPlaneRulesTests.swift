import NexusTransport
import Testing

@testable import NexusRuntime

@Suite("Control plane rules")
struct ControlPlaneRulesTests {
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
}
