import NexusAlgorithms
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusTestKit
import NexusWire
import Testing

@Suite("MEGA-DAgger's fall-risk critic")
struct FallRiskTests {
    /// A segment of one copy whose 1-D observation at step t is `first + t`, entering the unsafe
    /// region at `unsafe` steps and ending episodes at `ended` ones.
    static func segment(copy: UInt32 = 0, index: UInt32, episode: UInt64 = 0, first: Int, steps: Int, unsafe: [Int] = [], ended: [Int] = []) -> TrajectorySegment {
        TrajectorySegment(
            workerID: 1, envIndex: copy, episodeID: episode, segmentIndex: index, envID: "test", policyVersion: 1,
            observations: Tensor(rows: steps + 1, columns: 1, data: (0...steps).map { Float(first + $0) }),
            actions: Tensor(rows: steps, columns: 1, data: [Float](repeating: 0, count: steps)), rewards: [Float](repeating: 0, count: steps),
            terminated: (0..<steps).map { ended.contains($0) }, truncated: [Bool](repeating: false, count: steps),
            finalObservations: Tensor(rows: ended.count, columns: 1, data: ended.map { Float(first + $0 + 1) }), finalObservationSteps: ended.map { UInt32($0) },
            safetyEvents: unsafe.map { SafetyEvent(step: UInt32($0), kind: .violation, severity: 1) })
    }

    static func trainer(horizon: Int) -> FallRiskTrainer {
        var random = RandomSource(seed: 1)
        return FallRiskTrainer(critic: FallRiskNetwork(observationDim: 1, hidden: [8], random: &random), horizon: horizon, capacity: 1_000, batchSize: 16, seed: 2)
    }

    /// The outcomes given so far, by observation (each state is its step's number).
    static func outcomes(_ trainer: FallRiskTrainer) -> [Float: Float] {
        Dictionary(uniqueKeysWithValues: zip(trainer.outcomes.observations, trainer.outcomes.labels))
    }

    @Test("a state is 1 when its copy entered the unsafe region at its step or within the horizon after, else 0; every outcome joins when its state is horizon old; a copy's window runs across its segments")
    func outcomesWithinTheHorizon() {
        let trainer = Self.trainer(horizon: 3)
        // Steps 0–12 over three segments, unsafe at step 7 (the second segment's step 2).
        trainer.add(Self.segment(index: 0, first: 0, steps: 5))
        #expect(Self.outcomes(trainer) == [0: 0, 1: 0], "steps 2–4 still wait for their outcome")
        trainer.add(Self.segment(index: 1, first: 5, steps: 5, unsafe: [2]))
        // 4–7 are settled as unsafe at step 7, but 7 (like 8 and 9) is not yet 3 steps old.
        #expect(Self.outcomes(trainer) == [0: 0, 1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 1])
        #expect(trainer.positives == 3)
        trainer.add(Self.segment(index: 2, first: 10, steps: 3))
        #expect(Self.outcomes(trainer) == [0: 0, 1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 1, 7: 1, 8: 0, 9: 0])
        #expect(trainer.positives == 4)
    }

    @Test("where an entry does not end the episode, the unsafe outcomes come no sooner than the safe ones of the same stretch")
    func outcomesWaitTheirTurn() {
        let trainer = Self.trainer(horizon: 10)
        // Ten steps, an entry at the last: nothing is 10 steps old yet, so nothing is known,
        // neither the 10 unsafe states nor (were there any) the safe ones beside them.
        trainer.add(Self.segment(index: 0, first: 0, steps: 10, unsafe: [9]))
        #expect(Self.outcomes(trainer).isEmpty && trainer.positives == 0 && !trainer.hasLearned)
        // An episode's end settles everything waiting: the marked as unsafe, the rest safe.
        trainer.add(Self.segment(index: 1, first: 10, steps: 3, ended: [2]))
        #expect(Self.outcomes(trainer) == Dictionary(uniqueKeysWithValues: (0..<13).map { (Float($0), $0 < 10 ? 1 : 0) }))
    }

    @Test("an episode's end settles its waiting states as safe; a segment that does not follow its copy's last drops them; copies are apart")
    func episodesGapsAndCopies() {
        let trainer = Self.trainer(horizon: 5)
        trainer.add(Self.segment(index: 0, first: 0, steps: 4, ended: [1]))
        #expect(Self.outcomes(trainer) == [0: 0, 1: 0])
        // Copy 1 falls at its first step, which ends its episode: only its own state is unsafe.
        trainer.add(Self.segment(copy: 1, index: 0, first: 100, steps: 2, unsafe: [0], ended: [0]))
        #expect(Self.outcomes(trainer)[100] == 1 && Self.outcomes(trainer)[2] == nil)
        // Copy 0's segment 1 never came (a restarted worker): steps 2 and 3 are dropped, not guessed.
        trainer.add(Self.segment(index: 2, first: 20, steps: 2, unsafe: [1], ended: [1]))
        #expect(Self.outcomes(trainer)[2] == nil && Self.outcomes(trainer)[3] == nil)
        #expect(Self.outcomes(trainer)[20] == 1 && Self.outcomes(trainer)[21] == 1)
    }

    @Test("an episode cut between two segments (an environment replaced) and a copy silent for three iterations drop the waiting states")
    func cutsAndSilentCopies() {
        let trainer = Self.trainer(horizon: 5)
        var random = RandomSource(seed: 4)
        // Segment 1 follows segment 0 by index, but in episode 1: the episode was cut between.
        trainer.add(Self.segment(index: 0, first: 0, steps: 3))
        trainer.add(Self.segment(index: 1, episode: 1, first: 10, steps: 1, unsafe: [0], ended: [0]))
        #expect(Self.outcomes(trainer) == [10: 1])
        // An episode that ended inside a segment: the next one starts in the episode after it.
        trainer.add(Self.segment(index: 2, episode: 2, first: 20, steps: 3, ended: [0]))
        trainer.add(Self.segment(index: 3, episode: 3, first: 30, steps: 1, unsafe: [0], ended: [0]))
        #expect(Self.outcomes(trainer)[21] == 1 && Self.outcomes(trainer)[22] == 1 && Self.outcomes(trainer)[20] == 0)
        // Copy 0 waits on states 40 and 41, then is silent for three fits: they are forgotten.
        trainer.add(Self.segment(index: 4, episode: 4, first: 40, steps: 2))
        for _ in 0..<3 { trainer.fit(steps: 1, random: &random) }
        trainer.add(Self.segment(index: 5, episode: 4, first: 50, steps: 1, unsafe: [0], ended: [0]))
        #expect(Self.outcomes(trainer)[40] == nil && Self.outcomes(trainer)[41] == nil && Self.outcomes(trainer)[50] == 1)
    }

    @Test("the fit draws the waiting states as they stand: an entry's states as unsafe at once, the other copies' as safe so far; none of them settled yet")
    func fitsWhatIsKnownNow() {
        let trainer = Self.trainer(horizon: 50)
        var random = RandomSource(seed: 6)
        // Copy 0 enters the region at its 10th step; copy 1 walks 40 steps elsewhere. No state
        // is 50 steps old and no episode ended: nothing is settled.
        trainer.add(Self.segment(index: 0, first: 0, steps: 10, unsafe: [9]))
        trainer.add(Self.segment(copy: 1, index: 0, first: 100, steps: 40))
        #expect(trainer.outcomes.count == 0 && trainer.positives == 0)
        #expect(!trainer.fit(steps: 1_500, random: &random).isNaN && trainer.hasLearned)
        let risk = trainer.critic.probabilities([3, 6, 110, 130], rows: 4)
        #expect(risk[0] > 0.7 && risk[1] > 0.7 && risk[2] < 0.3 && risk[3] < 0.3, "\(risk)")
        // Without an entry anywhere there is nothing to learn.
        let calm = Self.trainer(horizon: 50)
        calm.add(Self.segment(index: 0, first: 0, steps: 10))
        #expect(calm.fit(steps: 10, random: &random).isNaN && !calm.hasLearned)
    }

    @Test("fitted to its outcomes the critic tells the risky states from the safe ones; nothing is fitted before a first unsafe outcome")
    func learnsWhereFallsCome() {
        let trainer = Self.trainer(horizon: 2)
        var random = RandomSource(seed: 3)
        // Episodes of 10 steps whose states count 0…9: some end in the unsafe region (states
        // 8 and 9 are risky there), the others end safely.
        trainer.add(Self.segment(index: 0, first: 0, steps: 10, ended: [9]))
        #expect(trainer.fit(steps: 10, random: &random).isNaN && !trainer.hasLearned)
        for index in 1..<40 { trainer.add(Self.segment(index: UInt32(index), episode: UInt64(index), first: 0, steps: 10, unsafe: index % 2 == 0 ? [9] : [], ended: [9])) }
        trainer.fit(steps: 3_000, random: &random)
        #expect(trainer.hasLearned)
        let risk = trainer.critic.probabilities((0..<10).map(Float.init), rows: 10)
        #expect(risk[0..<5].allSatisfy { $0 < 0.1 }, "\(risk)")
        #expect(risk[8...].allSatisfy { $0 > 0.3 && $0 < 0.7 }, "half the episodes fall from there: \(risk)")
    }

    @Test("a checkpoint keeps the critic, its outcomes and the states still waiting, so the resumed trainer labels them alike")
    func checkpointKeepsTheWindows() throws {
        let original = Self.trainer(horizon: 4)
        var random = RandomSource(seed: 5)
        original.add(Self.segment(index: 0, first: 0, steps: 6, unsafe: [5]))
        original.add(Self.segment(copy: 70_000, index: 0, first: 50, steps: 3))
        original.fit(steps: 5, random: &random)
        let restored = Self.trainer(horizon: 4)
        let snapshot = original.tensors()
        try restored.restore(from: snapshot)
        // The states still waiting, and which of them an entry has already settled as unsafe
        // (copy 0's 2–5), come out alike.
        for trainer in [original, restored] {
            trainer.add(Self.segment(copy: 70_000, index: 1, first: 53, steps: 2, unsafe: [1]))
            trainer.add(Self.segment(index: 1, first: 6, steps: 2, ended: [1]))
            trainer.add(Self.segment(copy: 70_000, index: 2, first: 55, steps: 1, ended: [0]))
        }
        #expect(Self.outcomes(restored) == Self.outcomes(original))
        #expect(Self.outcomes(original)[51] == 1 && Self.outcomes(original)[55] == 0 && Self.outcomes(original)[4] == 1 && Self.outcomes(original)[7] == 0)
        #expect(restored.critic.namedTensors().map(\.values) == original.critic.namedTensors().map(\.values) && restored.positives == original.positives)
        var torn = original.tensors()
        torn = torn.map { $0.name == "fall_risk.pending.counts" ? NamedTensor(name: $0.name, tensor: Tensor(shape: [1], data: [9])) : $0 }
        #expect(throws: WireError.self) { try Self.trainer(horizon: 4).restore(from: torn) }
        // More states marked than wait is refused; a checkpoint from before marks reads as none marked.
        let overMarked = original.tensors().map { $0.name == "fall_risk.pending.marked" ? NamedTensor(name: $0.name, tensor: Tensor(shape: [2], data: [99, 0])) : $0 }
        #expect(throws: WireError.self) { try Self.trainer(horizon: 4).restore(from: overMarked) }
        let older = Self.trainer(horizon: 4)
        try older.restore(from: snapshot.filter { $0.name != "fall_risk.pending.marked" })
        older.add(Self.segment(index: 1, first: 6, steps: 2, ended: [1]))
        #expect((2...7).allSatisfy { Self.outcomes(older)[Float($0)] == 0 } && Self.outcomes(older)[1] == 1)
    }

    @Test("the critic travels in weights with a gated plan; where it fires the expert takes over; forged ones are refused")
    func criticThroughWeights() throws {
        var random = RandomSource(seed: 7)
        let critic = FallRiskNetwork(observationDim: 3, hidden: [8], random: &random)
        // Every state risky: the output layer's bias alone decides (its weights zero).
        let layers = critic.network.parameters.namedTensors()
        let output = layers.suffix(2).map(\.name)
        try critic.network.parameters.load(layers.map { output.contains($0.name) ? ($0.name, $0.shape, $0.name.hasSuffix("bias") ? [5] : [Float](repeating: 0, count: $0.values.count)) : $0 })
        let ensemble = MegaDAggerTests.driftingEnsemble(drift: [0, 0, 0])
        let plan = RolloutPlan.gated(threshold: .infinity, horizon: 1, riskThreshold: 0.5)
        let weights = Weights(version: 2, models: [MegaDAggerTests.pendulumPolicy().model(), plan.model(), ensemble.model(), critic.model()])
        let read = try RolloutPlan(weights: weights)
        #expect(read.gateRiskThreshold == 0.5)
        let gate = try #require(try QueryGate.make(plan: read, models: weights.models, spec: Pendulum.spec))
        let (taken, segments) = try MegaDAggerTests.rows(plan: read, gate: gate, steps: 5)
        #expect(taken == 4 * 5 && segments.allSatisfy { $0.expertActed.allSatisfy { $0 } })
        // Without the critic's firing (a threshold it never reaches) the drift-free model fires nowhere.
        let (calm, _) = try MegaDAggerTests.rows(plan: read, gate: QueryGate(plan: RolloutPlan.gated(threshold: .infinity, horizon: 1, riskThreshold: 1), ensemble: ensemble, riskCritic: critic), steps: 5)
        #expect(calm == 0)

        #expect(throws: PolicyError.self) { try QueryGate.make(plan: read, models: [ensemble.model()], spec: Pendulum.spec) }
        #expect(throws: PolicyError.self) { try FallRiskNetwork.make(model: critic.model(), observationDim: 4) }
        var forged = critic.model()
        forged.architecture = "risk mlp 3-8-2 tanh"
        #expect(throws: PolicyError.self) { try FallRiskNetwork.make(model: forged, observationDim: 3) }
        forged.architecture = "risk mlp 3-100000000-1 tanh"
        #expect(throws: PolicyError.self) { try FallRiskNetwork.make(model: forged, observationDim: 3) }
        var badScale = critic.model()
        badScale.parameters = badScale.parameters.map { $0.name == "fall_risk.input_scale" ? NamedTensor(name: $0.name, tensor: Tensor(shape: [3], data: [1, 0, 1])) : $0 }
        #expect(throws: PolicyError.self) { try FallRiskNetwork.make(model: badScale, observationDim: 3) }
        for bad: Float in [0, -0.1, 1.5, .nan] {
            #expect(throws: WireError.self, "\(bad)") { try RolloutPlan(weights: Weights(version: 1, models: [RolloutPlan.gated(threshold: 1, horizon: 1, riskThreshold: bad).model()])) }
        }
    }
}
