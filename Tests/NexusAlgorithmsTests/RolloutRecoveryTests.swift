import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire
import Testing

@testable import NexusAlgorithms

/// Copies stepped "elsewhere" (as a Python server steps a gym: environment) that fail on
/// the steps a test names: each copy counts up its observation, episodes never end.
struct ScriptedEnvironment: BatchedEnvironment {
    struct Failure: Error {}
    let spec = EnvironmentSpec(id: "gym:Scripted-v0", observationDim: 1, actionSpace: .discrete(2), maxEpisodeSteps: 0, rewardThreshold: nil, stateNames: [])
    let count = 2
    var failAt: Set<Int>
    var stepsTried = 0
    var recoveries = 0
    var observations: [Float] = [0, 0]
    var finalObservations: [Float] = [0, 0]
    var rewards: [Double] = [0, 0]
    var terminated = [false, false], truncated = [false, false], enteredUnsafe = [false, false]
    var completedReturns: [Double] = [0, 0]
    var completedLengths = [0, 0]
    var unsafeRule: @Sendable (UnsafeBufferPointer<Float>) -> Bool { { _ in false } }

    mutating func step(stepping actions: [Float], idle: [Bool]) async throws {
        precondition(idle.isEmpty, "these copies always all step")
        stepsTried += 1
        if failAt.contains(stepsTried) { throw Failure() }
        observations = observations.map { $0 + 1 }
        rewards = [1, 1]
    }

    /// A new environment: every copy starts again from 100 × the recovery's number.
    mutating func recover() async throws {
        recoveries += 1
        observations = [Float](repeating: Float(100 * recoveries), count: count)
    }
}

@Suite("Rollout recovery")
struct RolloutRecoveryTests {
    @Test("a failed step records nothing; after recovery each copy's episode is cut at its last step (truncated, its next observation final) and goes on from the new start")
    func cutAtFailure() async throws {
        var random = RandomSource(seed: 1)
        let policy = PolicyNetwork(sizes: [1, 4, 2], activation: .tanh, head: .categorical, random: &random)
        // Call 4 fails (segments of 5: three steps recorded, then the cut); call 7 fails at
        // the first step of the second segment (nothing recorded in it yet).
        var collector = RolloutCollector(ScriptedEnvironment(failAt: [4, 7]), segmentSteps: 5, workerID: 1, random: RandomSource(seed: 2))
        var segments: [TrajectorySegment] = []
        var failures = 0
        while segments.count < 4 {
            _ = collector.propose(policy: policy, plan: .policyOnly)
            do {
                segments += try await collector.completeStep(policyVersion: 1, expertAnswers: [[]])
            } catch is ScriptedEnvironment.Failure {
                failures += 1
                try await collector.recoverEnvironments()
            }
        }
        #expect(failures == 2)
        let first = try #require(segments.first { $0.envIndex == 0 })
        // Steps 1–3 from 0, 1, 2; cut after the third (its next observation 3 is final); the
        // fourth and fifth from the new start 100.
        #expect(first.observations.data == [0, 1, 2, 100, 101, 102])
        #expect(first.truncated == [false, false, true, false, false])
        #expect(first.terminated == [false, false, false, false, false])
        #expect(first.finalObservationSteps == [2] && first.finalObservations.data == [3])
        try first.validate(expecting: WireExpectations(envID: "gym:Scripted-v0", observationDim: 1, actionDim: 1, discreteActions: 2, maxSegmentSteps: 5))
        // The second failure came before the second segment's first step: it starts from the
        // new start, 200, with no cut inside it.
        let second = try #require(segments.filter { $0.envIndex == 0 }.dropFirst().first)
        #expect(second.observations.data.first == 200 && second.truncated.allSatisfy { !$0 })
        #expect(collector.vector.recoveries == 2 && collector.envSteps == UInt64(2 * (collector.vector.stepsTried - 2)))
    }
}
