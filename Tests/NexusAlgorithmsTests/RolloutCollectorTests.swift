import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire
import Testing

@testable import NexusAlgorithms

@Suite("Rollout collector")
struct RolloutCollectorTests {
    static func policy() -> PolicyNetwork {
        var random = RandomSource(seed: 4)
        return PolicyNetwork(sizes: [4, 8, 2], activation: .tanh, head: .categorical, random: &random)
    }

    func collect(plan: RolloutPlan, steps: Int) throws -> [TrajectorySegment] {
        var collector = try RolloutCollectors.make(envID: "CartPole-v1", envCount: 3, segmentSteps: 10, workerID: 5, seed: 9)
        let expert = CartPoleExpert()
        let policy = Self.policy()
        var segments: [TrajectorySegment] = []
        for _ in 0..<steps {
            let labels = plan.needsExpert ? expert.act(batch: collector.observations, rows: 3, actionDim: 1) : nil
            segments += collector.step(policy: policy, policyVersion: 7, plan: plan, expertActions: labels)
        }
        return segments
    }

    @Test("segments validate against the run's expectations and chain their observations")
    func segmentsAreValidAndContinuous() throws {
        let segments = try collect(plan: RolloutPlan(expertActionProbability: 0.5, queryExpert: true), steps: 400)
        #expect(segments.count == 3 * 40)
        let expectations = WireExpectations(envID: "CartPole-v1", observationDim: 4, actionDim: 1, discreteActions: 2, maxSegmentSteps: 10)
        for segment in segments {
            try segment.validate(expecting: expectations)
            #expect(segment.policyVersion == 7 && segment.workerID == 5)
            #expect(segment.expertMask == [Bool](repeating: true, count: 10))
        }
        for env in 0..<3 {
            let mine = segments.filter { $0.envIndex == UInt32(env) }
            #expect(mine.map(\.segmentIndex) == (0..<40).map(UInt32.init))
            for (previous, next) in zip(mine, mine.dropFirst()) {
                #expect(Array(previous.observations.data.suffix(4)) == Array(next.observations.data.prefix(4)))
            }
        }
        // 400 steps of a policy that is half random: episodes end and are reported.
        let ended = segments.flatMap(\.completedEpisodeReturns)
        #expect(!ended.isEmpty)
        #expect(segments.reduce(0) { $0 + $1.finalObservationSteps.count } >= ended.count)
    }

    @Test("a new policy version mid-segment cuts the segment: each carries the version that collected all its steps, and they chain")
    func versionChangeCutsSegments() throws {
        var collector = try RolloutCollectors.make(envID: "CartPole-v1", envCount: 3, segmentSteps: 10, workerID: 5, seed: 9)
        let plan = RolloutPlan(expertActionProbability: 0, queryExpert: false)
        var segments: [TrajectorySegment] = []
        // Version 1 for 14 steps, version 2 for 3, version 3 for 23: cuts at 14 and 17.
        for (version, steps) in [(UInt64(1), 14), (2, 3), (3, 23)] {
            for _ in 0..<steps { segments += collector.step(policy: Self.policy(), policyVersion: version, plan: plan, expertActions: nil) }
        }
        let expectations = WireExpectations(envID: "CartPole-v1", observationDim: 4, actionDim: 1, discreteActions: 2, maxSegmentSteps: 10)
        for env in 0..<3 {
            let mine = segments.filter { $0.envIndex == UInt32(env) }
            #expect(mine.map(\.stepCount) == [10, 4, 3, 10, 10])
            #expect(mine.map(\.policyVersion) == [1, 1, 2, 3, 3])
            #expect(mine.map(\.segmentIndex) == (0..<5).map(UInt32.init))
            for (earlier, later) in zip(mine, mine.dropFirst()) {
                try later.validate(expecting: expectations)
                #expect(earlier.observations.row(earlier.stepCount) == later.observations.row(0), "segments chain across a cut")
            }
        }
    }

    @Test("with several experts each label cost each of them an answer: the segment says how many")
    func expertAnswersPerLabel() throws {
        var collector = try RolloutCollectors.make(envID: "CartPole-v1", envCount: 2, segmentSteps: 4, workerID: 5, seed: 9)
        let plan = RolloutPlan(expertActionProbability: 0, queryExpert: true)
        var segments: [TrajectorySegment] = []
        for _ in 0..<4 {
            let rows = collector.propose(policy: Self.policy(), plan: plan)
            let answer = rows.map { _ in Float(1) }
            segments += collector.complete(policyVersion: 1, expertAnswers: [answer, answer, answer])
        }
        #expect(segments.count == 2)
        for segment in segments { #expect(segment.labelledSteps == 4 && segment.expertAnswers == 12 && segment.answersBehindLabels == 12) }
    }

    @Test("β = 1 executes the expert's actions; a policy-only plan carries no labels")
    func planDecidesWhoActs() throws {
        let expertOnly = try collect(plan: RolloutPlan(expertActionProbability: 1, queryExpert: true), steps: 50)
        for segment in expertOnly {
            #expect(segment.actions == segment.expertActions)
            #expect(segment.expertActed.allSatisfy { $0 })
        }
        let policyOnly = try collect(plan: .policyOnly, steps: 50)
        for segment in policyOnly {
            #expect(segment.expertActions == nil && segment.expertMask.isEmpty)
            #expect(!segment.expertActed.contains(true))
        }
        // The expert balances the pole: it finishes no episode in 50 steps; the untrained policy does.
        #expect(expertOnly.flatMap(\.completedEpisodeReturns).isEmpty)
    }

    @Test func rolloutPlanTravelsInWeights() throws {
        let plan = RolloutPlan(expertActionProbability: 0.25, queryExpert: true)
        let weights = Weights(version: 3, models: [Self.policy().model(), plan.model()])
        let decoded = try WireCodec.decode(WireCodec.encode(.weights(weights)))
        guard case .weights(let received) = decoded else { Issue.record("not weights"); return }
        #expect(try RolloutPlan(weights: received) == plan)
        #expect(try RolloutPlan(weights: Weights(version: 1, models: [Self.policy().model()])) == .policyOnly)
        var bad = plan
        bad.expertActionProbability = 1.5
        #expect(throws: WireError.self) { try RolloutPlan(weights: Weights(version: 1, models: [bad.model()])) }
    }

    @Test func betaSchedules() {
        var dagger = DAggerSettings()
        (dagger.betaSchedule, dagger.betaStart, dagger.betaDecay, dagger.betaIterations) = (.exponential, 1, 0.5, 4)
        #expect(dagger.beta(iteration: 3) == 0.125)
        dagger.betaSchedule = .linear
        #expect(dagger.beta(iteration: 1) == 0.75)
        #expect(dagger.beta(iteration: 9) == 0)
        (dagger.betaSchedule, dagger.betaStart) = (.constant, 0.3)
        #expect(dagger.beta(iteration: 100) == 0.3)
    }
}
