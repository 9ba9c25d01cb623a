import NexusAlgorithms
import NexusPolicies
import Testing

@Suite("The driving policy's error on fresh labels")
struct FreshLabelErrorTests {
    @Test("continuous: 0 for a perfect copy, 1 for the labels' mean, the unexplained share pooled over dimensions; nil before any row")
    func continuous() throws {
        var error = FreshLabelError(head: .gaussian, actionDim: 2)
        #expect(error.value == nil)
        // Labels (1, 10), (3, 10), (5, 10): variances 8/3 and 0 (floored to 1e-6).
        let labels: [Float] = [1, 10, 3, 10, 5, 10]
        error.add(policyActions: labels, labels: labels, rows: 3)
        #expect(try #require(error.value) == 0)

        var mean = FreshLabelError(head: .gaussian, actionDim: 2)
        mean.add(policyActions: [3, 10, 3, 10, 3, 10], labels: labels, rows: 3)
        #expect(abs(try #require(mean.value) - 1) < 1e-5)

        // Off by 1 in the first dimension everywhere: (1 / (8/3)) of its spread, split over two
        // calls.
        var off = FreshLabelError(head: .gaussian, actionDim: 2)
        off.add(policyActions: [2, 10, 4, 10], labels: Array(labels[0..<4]), rows: 2)
        off.add(policyActions: [6, 10], labels: Array(labels[4...]), rows: 1)
        #expect(off.rows == 3)
        #expect(abs(try #require(off.value) - 3.0 / 8.0) < 1e-5)
        off.reset()
        #expect(off.rows == 0 && off.value == nil)
        off.add(policyActions: [3, 10, 3, 10, 3, 10], labels: labels, rows: 3)
        #expect(abs(try #require(off.value) - 1) < 1e-5, "nothing of before the reset counts")
    }

    @Test("discrete: the share of states where the policy would act otherwise, by Laplace's rule (never exactly 0 or 1)")
    func discrete() throws {
        var error = FreshLabelError(head: .categorical, actionDim: 1)
        error.add(policyActions: [0, 1, 2, 2], labels: [0, 1, 1, 0], rows: 4)
        #expect(try #require(error.value) == 0.5)
        var agreed = FreshLabelError(head: .categorical, actionDim: 1)
        agreed.add(policyActions: [1, 1, 0, 2, 0, 1, 1, 0], labels: [1, 1, 0, 2, 0, 1, 1, 0], rows: 8)
        #expect(try #require(agreed.value) == 0.1)
    }
}
