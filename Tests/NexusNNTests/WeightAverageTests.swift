import Testing

@testable import NexusNN

@Suite("Weight averaging")
struct WeightAverageTests {
    @Test("the first updates warm up: the initial weights do not hold the average")
    func warmUp() {
        var average = WeightAverage(decay: 0.999, initial: [10, -10])
        #expect(average.currentDecay == 0.1)
        average.update(with: [0, 0])
        #expect(abs(average.values[0] - 1) < 1e-6 && abs(average.values[1] + 1) < 1e-6)
        #expect(average.updates == 1)
        #expect(abs(average.currentDecay - 2 / Float(11)) < 1e-7)
    }

    @Test("past the warm-up the decay is the one asked for")
    func decayCaps() {
        let average = WeightAverage(decay: 0.9, initial: [0], updates: 1_000)
        #expect(average.currentDecay == 0.9)
    }

    @Test("the average equals the weighted sum of the iterates it saw")
    func matchesClosedForm() {
        let decay: Float = 0.95
        var average = WeightAverage(decay: decay, initial: [0, 1, 2])
        var expected: [Double] = [0, 1, 2]
        for step in 0..<200 {
            let iterate: [Float] = [Float(step), Float(step % 7) - 3, 1 / Float(step + 1)]
            let keep = Double(min(decay, Float(1 + step) / Float(10 + step)))
            for index in expected.indices { expected[index] = keep * expected[index] + (1 - keep) * Double(iterate[index]) }
            average.update(with: iterate)
        }
        for index in expected.indices { #expect(abs(Double(average.values[index]) - expected[index]) < 1e-3 * max(1, abs(expected[index]))) }
    }

    @Test("a constant iterate is its own average")
    func constantIterate() {
        var average = WeightAverage(decay: 0.99, initial: [5, 5])
        for _ in 0..<3_000 { average.update(with: [2, -1]) }
        #expect(abs(average.values[0] - 2) < 1e-4 && abs(average.values[1] + 1) < 1e-4)
    }
}
