import Testing

@testable import NexusRuntime

@Suite("Whom the learner asks for another share (ShareLedger)")
struct ShareLedgerTests {
    @Test("the worker whose share of the version is in and that has been quiet the longest; then the next, asked counting as heard")
    func quietestFirst() {
        var ledger = ShareLedger()
        ledger.segment(from: 1, version: 5, at: 1.0)
        ledger.segment(from: 2, version: 5, at: 0.5)
        ledger.segment(from: 3, version: 5, at: 2.0)
        #expect(ledger.received == 3)
        #expect(ledger.ask(version: 5, among: [1, 2, 3], at: 3) == 2)
        #expect(ledger.ask(version: 5, among: [1, 2, 3], at: 3.5) == 1, "worker 2 was asked at 3: another goes first")
        #expect(ledger.ask(version: 5, among: [1, 2, 3], at: 4) == 3)
        #expect(ledger.ask(version: 5, among: [1, 2, 3], at: 4.5) == 2)
    }

    @Test("a worker still on an older version, or gone from the roster, is not asked; none such: nobody")
    func onlyLiveWorkersOnTheVersion() {
        var ledger = ShareLedger()
        ledger.segment(from: 1, version: 4, at: 0)
        ledger.segment(from: 2, version: 5, at: 1)
        ledger.segment(from: 3, version: 5, at: 0.5)
        #expect(ledger.ask(version: 5, among: [1, 2], at: 2) == 2, "worker 3 is not live; worker 1's newest is of version 4")
        #expect(ledger.ask(version: 6, among: [1, 2, 3], at: 2) == nil)
        ledger.segment(from: 1, version: 5, at: 3)
        #expect(ledger.ask(version: 5, among: [1], at: 4) == 1)
    }

    @Test("bounded: past its capacity the workers heard from longest ago are forgotten")
    func bounded() {
        var ledger = ShareLedger(capacity: 4)
        for id in 0..<4 { ledger.segment(from: UInt32(id), version: 1, at: Double(id)) }
        ledger.segment(from: 9, version: 1, at: 10)
        #expect(ledger.received == 5)
        #expect(ledger.ask(version: 1, among: [0, 1, 2, 3, 9], at: 11) == 1, "worker 0, heard from longest ago, went")
    }
}
