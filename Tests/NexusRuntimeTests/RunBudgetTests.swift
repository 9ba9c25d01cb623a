import Testing

@testable import NexusRuntime

@Suite("Run budgets and the progress line's estimate")
struct RunBudgetTests {
    @Test("the budget that ends the run first at the pace so far, with how much of it is spent")
    func estimate() {
        let budget = RunBudget(maxSeconds: 600, totalEnvSteps: 100_000, maxIterations: 10_000)
        #expect(budget.estimate(wallSeconds: 0, envSteps: 0, iteration: 0) == nil)
        // 10,000 steps in 10 s: 90 s to the step budget, well before max_seconds.
        #expect(budget.estimate(wallSeconds: 10, envSteps: 10_000, iteration: 20) == .init(budget: "total_env_steps", secondsLeft: 90, fraction: 0.1))
        // Slow collection: max_seconds comes first.
        #expect(budget.estimate(wallSeconds: 100, envSteps: 1_000, iteration: 20)?.budget == "max_seconds")
        #expect(budget.estimate(wallSeconds: 100, envSteps: 1_000, iteration: 20)?.secondsLeft == 500)
        // No step budget: iterations against time.
        let bc = RunBudget(maxSeconds: 600, totalEnvSteps: 0, maxIterations: 20)
        #expect(bc.estimate(wallSeconds: 2, envSteps: 0, iteration: 5) == .init(budget: "iterations", secondsLeft: 6, fraction: 0.25))
        // Past a budget: nothing left, all of it spent.
        #expect(budget.estimate(wallSeconds: 10, envSteps: 120_000, iteration: 1) == .init(budget: "total_env_steps", secondsLeft: 0, fraction: 1))
    }

    @Test("durations as people read them")
    func durations() {
        #expect(RunBudget.duration(42.4) == "42s")
        #expect(RunBudget.duration(185) == "3m05s")
        #expect(RunBudget.duration(3720) == "1h02m")
    }
}

@Suite("A worker's wait for its environment's reply")
struct ReplySpinTests {
    @Test("awake for twice the usual reply while that is under the ceiling; asleep for slow environments and before any reply")
    func spin() {
        var spin = ReplySpin()
        #expect(spin.seconds == 0)
        spin.replied(after: 0.000_3)
        #expect(abs(spin.seconds - 0.000_6) < 1e-12)
        // A moving average: one slow reply moves it a tenth of the way.
        spin.replied(after: 0.010_3)
        #expect(abs(spin.typical! - 0.001_3) < 1e-12)
        #expect(spin.seconds == 0, "2.6 ms is over the 2 ms ceiling")
        for _ in 0..<40 { spin.replied(after: 0.000_2) }
        #expect(spin.seconds > 0 && spin.seconds < 0.000_5)
        spin.replied(after: -1)
        spin.replied(after: .nan)
        #expect(spin.seconds > 0, "nonsense durations are ignored")
        spin.enabled = false
        #expect(spin.seconds == 0)
    }

    @Test("spinning is worth it only where every stepping loop and its server have a core each")
    func worthwhile() {
        #expect(ReplySpin.worthwhile(loops: 1, cores: 2))
        #expect(!ReplySpin.worthwhile(loops: 2, cores: 2) && !ReplySpin.worthwhile(loops: 4, cores: 2))
        #expect(ReplySpin.worthwhile(loops: 4, cores: 8) && !ReplySpin.worthwhile(loops: 5, cores: 8))
        #expect(!ReplySpin.worthwhile(loops: 0, cores: 8) && !ReplySpin.worthwhile(loops: 1, cores: 1))
        // A worker beside its learner on two cores: no.
        #expect(!ReplySpin.worthwhile(loops: 1, others: 1, cores: 2) && ReplySpin.worthwhile(loops: 1, others: 1, cores: 3))
    }
}
