import Foundation
import NexusTestKit
import Testing

@testable import NexusNN

@Suite("World-model ensemble and schedules")
struct WorldModelTests {
    /// s' = s + 0.1·sin(3s) + 0.05·a, a pendulum-like smooth dynamics.
    static func step(_ s: [Float], _ a: [Float]) -> [Float] {
        zip(s, a).map { $0 + 0.1 * sin(3 * $0) + 0.05 * $1 }
    }

    @Test("the ensemble learns the dynamics, and disagrees more off the training distribution than on it", arguments: [UInt64(1), 2])
    func disagreementOffDistribution(seed: UInt64) async throws {
        let (error, change, on, off) = try await offCooperativePool { Self.trainEnsemble(seed: seed) }
        // Predicting "no change" would be off by the mean change itself.
        #expect(error < 0.1 * change, "mean error \(error), mean change \(change)")
        #expect(off > 3 * on, "disagreement off \(off), on \(on)")
    }

    static func trainEnsemble(seed: UInt64) -> (Float, Float, Float, Float) {
        var random = RandomSource(seed: seed)
        let ensemble = WorldModelEnsemble(observationDim: 2, actionDim: 2, hidden: [32, 32], members: 5, learningRate: 3e-3, random: &random)
        let batch = 64
        func draw(_ range: ClosedRange<Float>) -> [Float] { (0..<(batch * 2)).map { _ in random.nextFloat(in: range) } }
        for _ in 0..<1500 {
            let s = draw(-1...1), a = draw(-1...1)
            ensemble.train(observations: s, actions: a, nextObservations: Self.step(s, a), batch: batch)
        }
        let s = draw(-1...1), a = draw(-1...1)
        let (predicted, onDistribution) = ensemble.predict(observations: s, actions: a, batch: batch)
        let truth = Self.step(s, a)
        let error = zip(predicted, truth).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(truth.count)
        let change = zip(truth, s).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(truth.count)
        let (_, offDistribution) = ensemble.predict(observations: draw(3...5), actions: draw(3...5), batch: batch)
        let on = onDistribution.reduce(0, +) / Float(batch)
        let off = offDistribution.reduce(0, +) / Float(batch)
        return (error, change, on, off)
    }

    @Test func schedules() {
        #expect(LearningRateSchedule.constant(0.1).rate(atStep: 1000) == 0.1)
        let linear = LearningRateSchedule.linear(initial: 1, final: 0, steps: 4)
        #expect([0, 1, 2, 4, 9].map { linear.rate(atStep: $0) } == [1, 0.75, 0.5, 0, 0])
        let exponential = LearningRateSchedule.exponential(initial: 1, decay: 0.5, minimum: 0.1)
        #expect([0, 1, 3, 10].map { exponential.rate(atStep: $0) } == [1, 0.5, 0.125, 0.1])
    }

    @Test func meanSquaredErrorGradient() {
        var gradient = [Float](repeating: 0, count: 4)
        let loss = [Float](arrayLiteral: 1, 2, 3, 4).withUnsafeBufferPointer { p in
            [Float](arrayLiteral: 0, 2, 5, 4).withUnsafeBufferPointer { t in
                gradient.withUnsafeMutableBufferPointer { Losses.meanSquaredError(predictions: p, targets: t, batch: 2, gradient: $0) }
            }
        }
        #expect(loss == (0.5 * 1 + 0.5 * 4) / 2)
        #expect(gradient == [0.5, 0, -1, 0])
    }
}
