import Testing

@testable import NexusRuntime

@Suite("When the learner asks its workers for more data (DataWait)")
struct DataWaitTests {
    func asks(_ wait: inout DataWait, _ now: Double, _ received: UInt64) -> Bool { wait.waiting(now: now, received: received) }

    @Test("it asks after a quiet wait, then again after each further quiet one")
    func asksAfterQuiet() {
        var wait = DataWait(after: 0.5)
        #expect(!asks(&wait, 10, 4), "the wait starts")
        #expect(!asks(&wait, 10.45, 4))
        #expect(asks(&wait, 10.5, 4))
        #expect(!asks(&wait, 10.9, 4), "asked at 10.5: quiet again from there")
        #expect(asks(&wait, 11.0, 4))
    }

    @Test("a segment arriving restarts the quiet stretch: slow workers are not asked for more")
    func segmentsRestartIt() {
        var wait = DataWait(after: 0.5)
        _ = wait.waiting(now: 0, received: 0)
        for (step, now) in stride(from: 0.4, through: 4, by: 0.4).enumerated() {
            #expect(!asks(&wait, now, UInt64(step + 1)), "a segment every 0.4 s")
        }
        #expect(asks(&wait, 4.5, 10))
    }

    @Test("training ends a wait: the time spent training and evaluating is not a quiet wait")
    func trainingIsNotWaiting() {
        var wait = DataWait(after: 0.5)
        _ = wait.waiting(now: 0, received: 2)
        wait.trained()
        #expect(!asks(&wait, 3, 2), "three seconds of evaluation later, the wait starts afresh")
        #expect(asks(&wait, 3.5, 2))
    }

    @Test("after 0 it never asks (workers that never wait collect on their own)")
    func zeroNeverAsks() {
        var wait = DataWait(after: 0)
        #expect(!asks(&wait, 0, 0))
        #expect(!asks(&wait, 1000, 0))
    }
}
