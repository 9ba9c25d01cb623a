import Testing

@testable import NexusAlgorithms

@Suite("Learner counters")
struct LearnerCountersTests {
    static func counters(best: Double) -> LearnerCounters {
        var counters = LearnerCounters()
        counters.bestEvalReturn = best
        return counters
    }

    @Test("a resume keeps best.nxckpt's return when it is better than the resumed checkpoint's, never a worse or missing one")
    func keepBest() {
        var resumed = Self.counters(best: 120)
        resumed.keepBest(of: Self.counters(best: 480))
        #expect(resumed.bestEvalReturn == 480)
        resumed.keepBest(of: Self.counters(best: 300))
        #expect(resumed.bestEvalReturn == 480)
        resumed.keepBest(of: Self.counters(best: .nan))
        #expect(resumed.bestEvalReturn == 480)
        var fresh = Self.counters(best: .nan)
        fresh.keepBest(of: Self.counters(best: -150))
        #expect(fresh.bestEvalReturn == -150)
    }
}
