import NexusTestKit
import Testing

@Suite("Patience")
struct PatienceTests {
    @Test("a pass that came back late counts as one slice; steady passes spend the budget")
    func starvedPassesCountASlice() {
        let start = ContinuousClock.now
        var patience = Patience(seconds: 10, slice: .seconds(2), from: start)
        // A minute without running (a starved pool) costs 2 s of the 10.
        var left = patience.remains(at: start + .seconds(60))
        #expect(left)
        // Then 7.9 s of steady 100 ms passes: 9.9 s spent, some left.
        var now = start + .seconds(60)
        for _ in 0..<79 {
            now += .milliseconds(100)
            left = patience.remains(at: now)
            #expect(left)
        }
        // 0.1 s more ends it.
        left = patience.remains(at: now + .milliseconds(100))
        #expect(!left)
    }

    @Test("eventually gives up on a condition that never holds, and returns at once on one that does")
    func eventuallyEnds() async {
        #expect(await eventually(seconds: 0.05) { true })
        #expect(!(await eventually(seconds: 0.05) { false }))
    }
}
