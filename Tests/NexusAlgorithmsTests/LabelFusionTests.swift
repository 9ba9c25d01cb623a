import NexusEnvironments
import Testing

@testable import NexusAlgorithms

@Suite("Several imperfect experts")
struct LabelFusionTests {
    @Test("the medoid wins: the answer nearest the others, the majority for discrete actions; ties go to the first expert")
    func medoid() {
        // Row 0: one expert far off; row 1: all agree; row 2: two of three close.
        let answers: [[Float]] = [[1.0, 0.5, -1.9], [1.1, 0.5, 2.0], [-2.0, 0.5, 1.8]]
        let fused = LabelFusion.fuse(answers: answers, rows: 3, actionDim: 1, discrete: false) { _, _ in false }
        #expect(fused.labels == [1.0, 0.5, 1.8])  // row 2: 1.8 is 0.2 from 2.0 and 3.7 from −1.9
        #expect(fused.conflicts == 2 && fused.filtered == 0)
        let votes = LabelFusion.fuse(answers: [[0, 2], [1, 2], [1, 0]], rows: 2, actionDim: 1, discrete: true) { _, _ in false }
        #expect(votes.labels == [1, 2])
        let tie = LabelFusion.fuse(answers: [[0], [1]], rows: 1, actionDim: 1, discrete: true) { _, _ in false }
        #expect(tie.labels == [0])
    }

    @Test("labels the model predicts unsafe are filtered first, unless all are")
    func unsafeFiltered() {
        let answers: [[Float]] = [[1.0, 1.0], [1.1, 1.1], [-2.0, -2.0]]
        // Row 0: the two agreeing experts lead somewhere unsafe; row 1: everyone does.
        let fused = LabelFusion.fuse(answers: answers, rows: 2, actionDim: 1, discrete: false) { expert, row in row == 1 || expert < 2 }
        #expect(fused.labels == [-2.0, 1.0])
        #expect(fused.filtered == 2)
    }

    @Test("imperfect experts: bias, noise and a blind spot, each the same answer for the same state; bad specifications refused")
    func imperfectExperts() throws {
        let spec = Pendulum.spec
        let base = PendulumExpert()
        func act(_ expert: any Expert, _ observation: [Float]) -> Float { expert.act(batch: observation, rows: 1, actionDim: 1)[0] }
        let state: [Float] = [-0.9, 0.43, 0.5]
        let biased = ImperfectExpert(base: base, imperfection: try Imperfection.parse("bias=0.5", for: spec), actionSpace: spec.actionSpace, seed: 1)
        #expect(act(biased, state) == min(2, act(base, state) + 0.5))
        let noisy = ImperfectExpert(base: base, imperfection: try Imperfection.parse("noise=1", for: spec), actionSpace: spec.actionSpace, seed: 1)
        #expect(act(noisy, state) != act(base, state) && act(noisy, state) == act(noisy, state))
        let blind = ImperfectExpert(base: base, imperfection: try Imperfection.parse("blind=0:0.8:1", for: spec), actionSpace: spec.actionSpace, seed: 1)
        #expect(act(blind, state) == act(base, state), "outside the blind spot the answer is the expert's")
        let upright: [Float] = [0.95, 0.3, 0.1]
        let blindAnswers = Set((0..<20).map { act(blind, [0.95, 0.3 + Float($0) * 0.001, 0.1]) })
        #expect(blindAnswers.count > 10 && blindAnswers.allSatisfy { (-2...2).contains($0) })
        #expect(act(blind, upright) == act(blind, upright))
        for bad in ["noise=-1", "bias=x", "blind=3:0:1", "blind=0:1:0", "speed=2", "noise"] {
            #expect(throws: EnvironmentError.self, "\(bad)") { try Imperfection.parse(bad, for: spec) }
        }
        #expect(throws: EnvironmentError.self) { try Imperfection.parse("bias=1", for: CartPole.spec) }
        #expect(throws: EnvironmentError.self) { try Imperfection.parse("noise=1.5", for: CartPole.spec) }
        #expect(try Imperfection.parse("noise=0.2, bias=0.1", for: spec) == Imperfection(noise: 0.2, bias: 0.1))
        #expect(try Imperfection.parse("", for: spec).isPerfect)
    }
}
