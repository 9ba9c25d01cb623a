import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire
import Testing

@testable import NexusAlgorithms

/// One continuous-action copy per row whose state climbs by 1 a step and is unsafe from 3 on:
/// once in, it never leaves (as HalfCheetah-v5 on its back), until `reset` puts it back at 0.
private struct ClimbingCopies: BatchedEnvironment {
    let spec = EnvironmentSpec(id: "gym:Climbing-v0", observationDim: 1, actionSpace: .box(low: [-1], high: [1]), maxEpisodeSteps: 0, rewardThreshold: nil, stateNames: [])
    let count = 2
    var resetAt: Int?
    var steps = 0
    var observations: [Float] = [0, 0]
    var finalObservations: [Float] = [0, 0]
    var rewards: [Double] = [0, 0]
    var terminated = [false, false], truncated = [false, false], enteredUnsafe = [false, false]
    var completedReturns: [Double] = [0, 0]
    var completedLengths = [0, 0]
    var unsafeRule: @Sendable (UnsafeBufferPointer<Float>) -> Bool { { $0[0] >= 3 } }

    mutating func step(stepping actions: [Float], idle: [Bool]) async throws {
        steps += 1
        let before = observations
        observations = steps == resetAt ? [0, 0] : observations.map { $0 + 1 }
        enteredUnsafe = (0..<count).map { before[$0] < 3 && observations[$0] >= 3 }
    }

    mutating func recover() async throws { observations = [0, 0] }
}

@Suite("Unsafe stays")
struct UnsafeStayTests {
    @Test("the fallback lets go of a copy past `limit` steps in a row inside, once per stay; leaving starts the count again; 0 never lets go")
    func rule() {
        var stay = UnsafeStay(copies: 2)
        let inside = [true, true, true, false, true, true, true]
        var letGo: [Bool] = []
        for flag in inside { letGo.append(stay.observe(inside: [flag, false], limit: 2)[0]) }
        #expect(letGo == [false, false, true, false, false, false, true])
        #expect(stay.released == 2 && stay.steps == [3, 0])
        var never = UnsafeStay(copies: 1)
        for _ in 0..<100 { #expect(never.observe(inside: [true], limit: 0) == [false]) }
        #expect(never.released == 0)
    }

    @Test("in a region nobody leaves, the expert drives the copy `gate_unsafe_stay_steps` steps inside and no more; a plan without the field, every step; after a reset the fallback guards again")
    func collectorLetsGo() async throws {
        var random = RandomSource(seed: 1)
        let ensemble = WorldModelEnsemble(observationDim: 1, actionDim: 1, hidden: [4], members: 3, random: &random)
        // Every prediction is s + 5 (members agree): from any state the lookahead sees the region.
        for member in ensemble.members { member.parameters.values = [Float](repeating: 0, count: member.parameters.count) }
        ensemble.setNormalisation(inputShift: [0, 0], inputScale: [1, 1], deltaShift: [5], deltaScale: [1])
        let policy = PolicyNetwork(sizes: [1, 4, 1], activation: .tanh, head: .gaussian, random: &random)
        func driven(_ plan: RolloutPlan, resetAt: Int? = nil) async throws -> (acted: [Bool], released: Int) {
            var collector = RolloutCollector(ClimbingCopies(resetAt: resetAt), segmentSteps: 12, workerID: 1, random: RandomSource(seed: 2))
            var segments: [TrajectorySegment] = []
            for _ in 0..<12 {
                let rows = collector.propose(policy: policy, plan: plan, gate: QueryGate(plan: plan, ensemble: ensemble))
                segments += try await collector.completeStep(policyVersion: 1, expertAnswers: [[Float](repeating: 0, count: rows.count)])
            }
            #expect(segments.count == 2 && segments[0].expertActed == segments[1].expertActed)
            return (segments[0].expertActed, collector.unsafeStaysReleased)
        }
        // States 0, 1, 2 are outside (the lookahead fires), 3 and on inside: with a limit of 4
        // the expert drives states 3–6 inside, the policy from state 7 on.
        let limited = RolloutPlan.gated(threshold: .infinity, horizon: 2, safetyTakeoverSteps: 0, unsafeStaySteps: 4)
        let first = try await driven(limited)
        #expect(first.acted == (0..<12).map { $0 < 7 } && first.released == 2)
        #expect(limited.gateUnsafeStaySteps == 4)
        #expect(try RolloutPlan(weights: Weights(version: 1, models: [limited.model()])) == limited)
        let unlimited = RolloutPlan.gated(threshold: .infinity, horizon: 2, safetyTakeoverSteps: 0)
        #expect(unlimited.gateUnsafeStaySteps == 0)
        let always = try await driven(unlimited)
        #expect(always.acted == [Bool](repeating: true, count: 12) && always.released == 0)
        // Back at 0 after the 9th step (states 0…8, then 0, 1, 2): outside again, guarded again.
        let again = try await driven(limited, resetAt: 9)
        #expect(again.acted == (0..<12).map { $0 < 7 || $0 >= 9 })
    }
}
