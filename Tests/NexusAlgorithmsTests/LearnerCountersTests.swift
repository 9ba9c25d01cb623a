import NexusWire
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

    @Test("whole-number counters survive a checkpoint exactly, past 2^53 too; a checkpoint without counts reads its metrics")
    func exactCounts() throws {
        var counters = LearnerCounters()
        counters.envSteps = (1 << 53) + 1
        counters.expertQueries = 12_345_678_901_234_567
        counters.segments = 7
        counters.trainingEpisodes = 4
        counters.trainingReturnTotal = 1_000.5
        let checkpoint = Checkpoint(runID: "r", algo: "dagger", envID: "CartPole-v1", iteration: 3, weights: Weights(version: 1, models: []),
                                    counters: counters.metrics, counts: counters.counts)
        let read = try StorageCodec.decodeCheckpoint(StorageCodec.encode(checkpoint))
        let resumed = LearnerCounters(metrics: read.counters, counts: read.counts)
        #expect(resumed.envSteps == (1 << 53) + 1 && resumed.expertQueries == 12_345_678_901_234_567 && resumed.segments == 7)
        #expect(resumed.trainingEpisodes == 4 && abs(resumed.trainingReturnTotal - 1_000.5) < 1e-9, "the training episodes' mean goes on from the checkpoint's")
        // As doubles alone, the odd count was lost: what older checkpoints hold.
        #expect(LearnerCounters(metrics: read.counters).envSteps != (1 << 53) + 1)
        #expect(LearnerCounters(metrics: read.counters).segments == 7)
    }
}
