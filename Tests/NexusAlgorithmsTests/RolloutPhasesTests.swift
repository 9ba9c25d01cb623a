import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire
import Testing

@testable import NexusAlgorithms

/// A worker's step in phases: only the rows the plan picks go to the expert; sampled actions
/// carry their behaviour log-probabilities; the plan is an open, versioned message.
@Suite("Rollout phases and plan v2")
struct RolloutPhasesTests {
    @Test("the expert sees exactly the rows where it acts (query rule expert_acting), and only those carry labels")
    func onlyPickedRowsAreQueried() throws {
        var collector = try RolloutCollectors.make(envID: "CartPole-v1", envCount: 16, segmentSteps: 5, workerID: 1, seed: 4)
        let policy = RolloutCollectorTests.policy()
        let plan = RolloutPlan(acting: .sample, expertActionProbability: 0.3, queryRule: .expertActing)
        let expert = CartPoleExpert()
        var asked = 0, segments: [TrajectorySegment] = []
        for _ in 0..<50 {
            segments += collector.step(policy: policy, policyVersion: 2, plan: plan) { rows, observations in
                #expect(observations.count == rows.count * 4)
                #expect(rows == rows.sorted() && Set(rows).count == rows.count)
                asked += rows.count
                return expert.act(batch: observations, rows: rows.count, actionDim: 1)
            }
        }
        let acted = segments.reduce(0) { $0 + $1.expertActed.filter { $0 }.count }
        let labelled = segments.reduce(0) { $0 + $1.expertMask.filter { $0 }.count }
        #expect(asked < 16 * 50 / 2, "about 30 % of rows, not all: \(asked)")
        #expect(labelled == acted)
        for segment in segments {
            try segment.validate()
            #expect(segment.behaviourLogProbs.count == 5)
            #expect(segment.behaviourLogProbs.allSatisfy { $0 <= 0 && $0.isFinite })
            for step in 0..<5 where !segment.expertMask.isEmpty {
                #expect(segment.expertMask[step] == segment.expertActed[step])
            }
        }
    }

    @Test("a policy-only sampling plan never calls the expert; a deterministic one records no log-probabilities")
    func noExpertNoLogProbabilities() throws {
        var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 4, segmentSteps: 8, workerID: 1, seed: 4)
        var random = RandomSource(seed: 1)
        let policy = PolicyNetwork(sizes: [3, 8, 1], activation: .tanh, head: .gaussian, random: &random)
        var sampled: [TrajectorySegment] = [], deterministic: [TrajectorySegment] = []
        for step in 0..<32 {
            let plan = step < 16 ? RolloutPlan(acting: .sample) : .policyOnly
            let segments = collector.step(policy: policy, policyVersion: 1, plan: plan) { _, _ in
                Issue.record("the expert was asked")
                return []
            }
            if step < 16 { sampled += segments } else { deterministic += segments }
        }
        #expect(sampled.count == 8 && deterministic.count == 8)
        #expect(sampled.allSatisfy { $0.behaviourLogProbs.count == 8 })
        #expect(deterministic.allSatisfy { $0.behaviourLogProbs.isEmpty })
        // Sampled Gaussian actions spread around the mean; deterministic ones are the mean.
        #expect(Set(sampled.flatMap(\.actions.data)).count > 8)
    }

    @Test("plan v2 round-trips with its extras, v1 plans still read, unknown rules and versions are refused by name")
    func planVersions() throws {
        let extra = NamedTensor(name: "gate.threshold", tensor: Tensor(shape: [1], data: [0.7]))
        let plan = RolloutPlan(acting: .sample, expertActionProbability: 0.5, queryRule: .expertActing, extras: [extra])
        let decoded = try WireCodec.decode(WireCodec.encode(.weights(Weights(version: 1, models: [plan.model()]))))
        guard case .weights(let weights) = decoded else { Issue.record("not weights"); return }
        #expect(try RolloutPlan(weights: weights) == plan)

        let v1 = Model(kind: .rolloutPlan, name: "rollout", architecture: "rollout-plan v1", parameters: [
            NamedTensor(name: "expert_action_probability", tensor: Tensor(shape: [1], data: [0.25])),
            NamedTensor(name: "query_expert", tensor: Tensor(shape: [1], data: [1])),
        ])
        #expect(try RolloutPlan(weights: Weights(version: 1, models: [v1])) == RolloutPlan(expertActionProbability: 0.25, queryExpert: true))

        var unknownRule = plan.model()
        unknownRule.parameters[2] = NamedTensor(name: "query_rule", tensor: Tensor(shape: [1], data: [9]))
        #expect(throws: WireError.invalidField("weights.rollout.query_rule", reason: "9.0 is not a value this version of nexus knows")) {
            try RolloutPlan(weights: Weights(version: 1, models: [unknownRule]))
        }
        var future = plan.model()
        future.architecture = "rollout-plan v3"
        #expect(throws: WireError.self) { try RolloutPlan(weights: Weights(version: 1, models: [future])) }
    }
}
