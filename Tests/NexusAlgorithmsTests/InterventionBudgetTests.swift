import Testing

@testable import NexusAlgorithms

@Suite("MEGA-DAgger's intervention budget")
struct InterventionBudgetTests {
    @Test("tokens accrue at the rate per copy and step; each admission spends one, the most uncertain first")
    func admitsByScoreWithinTheTokens() {
        var budget = InterventionBudget()
        let scores: [Float] = [0.1, 0.9, 0.5, 0.7]
        // 4 copies at 0.25: one token a step.
        #expect(budget.admit(candidates: [0, 1, 2, 3], scores: scores, copies: 4, rate: 0.25) == [false, true, false, false])
        #expect(budget.tokens == 0)
        #expect(budget.admit(candidates: [0, 2, 3], scores: scores, copies: 4, rate: 0.25) == [false, false, false, true])
        // At 0.125 a token takes two steps; nothing fires in between.
        #expect(budget.admit(candidates: [0, 2], scores: scores, copies: 4, rate: 0.125) == [false, false, false, false])
        #expect(budget.admit(candidates: [0, 2], scores: scores, copies: 4, rate: 0.125) == [false, false, true, false])
    }

    @Test("unspent tokens carry over, at most one per copy; no rate, no admissions")
    func savingsAreCapped() {
        var budget = InterventionBudget()
        for _ in 0..<100 { _ = budget.admit(candidates: [], scores: [0, 0, 0], copies: 3, rate: 0.5) }
        #expect(budget.tokens == 3)
        let scores: [Float] = [1, 1, 1]
        #expect(budget.admit(candidates: [2, 0, 1], scores: scores, copies: 3, rate: 0.5) == [true, true, true], "ties all fit")
        var none = InterventionBudget()
        for _ in 0..<10 { #expect(none.admit(candidates: [0, 1], scores: [1, 2], copies: 2, rate: 0) == [false, false]) }
    }

    @Test("equal scores go to the lower row; a NaN score ranks last")
    func tiesGoToTheLowerRow() {
        var budget = InterventionBudget(tokens: 1)
        #expect(budget.admit(candidates: [3, 1, 2], scores: [0, 0.5, 0.5, 0.5], copies: 4, rate: 0) == [false, true, false, false])
        var twice = InterventionBudget(tokens: 2)
        #expect(twice.admit(candidates: [0, 1, 2], scores: [.nan, 0.1, 0.2], copies: 3, rate: 0) == [false, true, true])
    }
}
