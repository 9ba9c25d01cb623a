import Foundation
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusTestKit
import NexusWire
import Testing

@testable import NexusAlgorithms

@Suite("MEGA-DAgger")
struct MegaDAggerTests {
    static func pendulumPolicy() -> PolicyNetwork {
        var random = RandomSource(seed: 4)
        return PolicyNetwork(sizes: [3, 8, 1], activation: .tanh, head: .gaussian, random: &random)
    }

    /// An ensemble whose members output zero, so that every prediction is s + `drift` exactly
    /// (the normalised change is 0, the change is the shift), and members agree (disagreement 0).
    static func driftingEnsemble(drift: [Float]) -> WorldModelEnsemble {
        var random = RandomSource(seed: 1)
        let ensemble = WorldModelEnsemble(observationDim: 3, actionDim: 1, hidden: [4], members: 3, random: &random)
        for member in ensemble.members { member.parameters.values = [Float](repeating: 0, count: member.parameters.count) }
        ensemble.setNormalisation(inputShift: [0, 0, 0, 0], inputScale: [1, 1, 1, 1], deltaShift: drift, deltaScale: [1, 1, 1])
        return ensemble
    }

    static func rows(plan: RolloutPlan, gate: QueryGate, steps: Int = 20) throws -> (queried: Int, segments: [TrajectorySegment]) {
        var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 4, segmentSteps: 5, workerID: 1, seed: 3)
        let policy = pendulumPolicy()
        let expert = PendulumExpert()
        var queried = 0, segments: [TrajectorySegment] = []
        for _ in 0..<steps {
            segments += collector.step(policy: policy, policyVersion: 1, plan: plan, gate: gate) { rows, observations in
                queried += rows.count
                return expert.act(batch: observations, rows: rows.count, actionDim: 1)
            }
        }
        return (queried, segments)
    }

    @Test("the members trained on two threads end exactly as trained on one; the work alongside runs once either way")
    func parallelFitIsTheSequentialOne() throws {
        let never = RolloutPlan.gated(threshold: .infinity, horizon: 0)
        var probe = RandomSource(seed: 2)
        let (_, segments) = try Self.rows(plan: never, gate: QueryGate(plan: never, ensemble: WorldModelEnsemble(observationDim: 3, actionDim: 1, hidden: [4], random: &probe)), steps: 40)
        func fitted(parallel: Bool) -> [[Float]] {
            var random = RandomSource(seed: 9)
            let trainer = WorldModelTrainer(
                ensemble: WorldModelEnsemble(observationDim: 3, actionDim: 1, hidden: [16], members: 5, random: &random), capacity: 1_000, batchSize: 32, seed: 3)
            for segment in segments { trainer.add(segment) }
            let lanes = parallel ? PairedThreads() : .sequential
            if parallel { lanes.open() }
            defer { lanes.close() }
            var alongside = 0
            trainer.fit(steps: 25, random: &random, lanes: lanes) { alongside += 1 }
            #expect(alongside == 1)
            return trainer.ensemble.namedTensors().map(\.values)
        }
        #expect(fitted(parallel: true) == fitted(parallel: false))
    }

    @Test("a gate with τ = ∞ queries nothing, τ = 0 everything; segments carry the scores")
    func thresholdExtremes() throws {
        var random = RandomSource(seed: 2)
        let ensemble = WorldModelEnsemble(observationDim: 3, actionDim: 1, hidden: [16], members: 5, random: &random)
        let never = RolloutPlan.gated(threshold: .infinity, horizon: 0)
        let (none, quiet) = try Self.rows(plan: never, gate: QueryGate(plan: never, ensemble: ensemble))
        #expect(none == 0)
        #expect(quiet.allSatisfy { $0.expertMask.isEmpty && $0.uncertainty.count == 5 && $0.uncertainty.allSatisfy { $0 > 0 } })
        let always = RolloutPlan.gated(threshold: 0, horizon: 0)
        let (all, labelled) = try Self.rows(plan: always, gate: QueryGate(plan: always, ensemble: ensemble))
        #expect(all == 4 * 20)
        #expect(labelled.allSatisfy { $0.expertMask == [Bool](repeating: true, count: 5) && !$0.expertActed.contains(true) })
    }

    @Test("where the lookahead predicts an unsafe state the expert acts and the takeover is recorded; elsewhere the policy does")
    func safetyFallback() throws {
        let plan = RolloutPlan.gated(threshold: .infinity, horizon: 3)
        // Each imagined step lifts cos θ by 2 and adds 20 rad/s: over the top and too fast
        // (cos θ > 0, |θ̇| > 6) at the first, from any state.
        let (taken, dangerous) = try Self.rows(plan: plan, gate: QueryGate(plan: plan, ensemble: Self.driftingEnsemble(drift: [2, 0, 20])))
        #expect(taken == 4 * 20)
        #expect(dangerous.allSatisfy { $0.expertActed.allSatisfy { $0 } && $0.expertMask.allSatisfy { $0 } })
        #expect(dangerous.allSatisfy { segment in segment.safetyEvents.filter { $0.kind == .expertTakeover }.map(\.step) == [0, 1, 2, 3, 4] })
        // No change predicted: the gate fires only where the state itself is unsafe, which the
        // first five steps from a reset (|θ̇| ≤ 1, torque ≤ 2) cannot reach.
        let (calm, safe) = try Self.rows(plan: plan, gate: QueryGate(plan: plan, ensemble: Self.driftingEnsemble(drift: [0, 0, 0])), steps: 5)
        #expect(calm == 0)
        #expect(safe.allSatisfy { !$0.expertActed.contains(true) && $0.safetyEvents.allSatisfy { $0.kind != .expertTakeover } })
    }

    @Test("where disagreement fires, the expert drives that copy for takeover_steps steps, then hands it back")
    func interventionHolds() throws {
        var random = RandomSource(seed: 2)
        let ensemble = WorldModelEnsemble(observationDim: 3, actionDim: 1, hidden: [16], members: 5, random: &random)
        // One step where every row fires (τ = 0), then a gate that never fires: the hold alone
        // keeps the expert driving for the rest of the 4 steps it started.
        let firing = RolloutPlan.gated(threshold: 0, horizon: 0, takeoverSteps: 4)
        let quiet = RolloutPlan.gated(threshold: .infinity, horizon: 0, takeoverSteps: 4)
        var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 3, segmentSteps: 10, workerID: 1, seed: 3)
        let (policy, expert) = (Self.pendulumPolicy(), PendulumExpert())
        var asked: [Int] = []
        var segments: [TrajectorySegment] = []
        for step in 0..<10 {
            let plan = step == 0 ? firing : quiet
            segments += collector.step(policy: policy, policyVersion: 1, plan: plan, gate: QueryGate(plan: plan, ensemble: ensemble)) { rows, o in
                asked.append(rows.count)
                return expert.act(batch: o, rows: rows.count, actionDim: 1)
            }
        }
        // The expert is called only for steps with rows to answer: the four held ones.
        #expect(asked == [3, 3, 3, 3])
        #expect(segments.count == 3)
        let held = [Bool](repeating: true, count: 4) + [Bool](repeating: false, count: 6)
        #expect(segments.allSatisfy { $0.expertActed == held && $0.expertMask == held })
        #expect(RolloutPlan.gated(threshold: 0, horizon: 0).gateTakeoverSteps == 0, "a plan without the field only labels")
    }

    @Test("a safety firing holds the expert for gate_safety_takeover_steps (0: only the steps where the danger is seen); a plan without the field, as long as disagreement's")
    func safetyTakeoverLength() throws {
        // Danger foreseen at the first step only (as in safetyFallback), then a gate that sees
        // none: what the expert drives after the first step is the hold alone.
        let (danger, calm) = (Self.driftingEnsemble(drift: [2, 0, 20]), Self.driftingEnsemble(drift: [0, 0, 0]))
        func driven(_ plan: RolloutPlan) throws -> [[Bool]] {
            var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 2, segmentSteps: 5, workerID: 1, seed: 3)
            let (policy, expert) = (Self.pendulumPolicy(), PendulumExpert())
            var segments: [TrajectorySegment] = []
            for step in 0..<5 {
                let gate = QueryGate(plan: plan, ensemble: step == 0 ? danger : calm)
                segments += collector.step(policy: policy, policyVersion: 1, plan: plan, gate: gate) { rows, o in expert.act(batch: o, rows: rows.count, actionDim: 1) }
            }
            return segments.map(\.expertActed)
        }
        func held(_ steps: Int) -> [[Bool]] { [[Bool]](repeating: (0..<5).map { $0 < steps }, count: 2) }
        func plan(_ safety: Int?) -> RolloutPlan { .gated(threshold: .infinity, horizon: 3, takeoverSteps: 4, safetyTakeoverSteps: safety) }
        #expect(try driven(plan(0)) == held(1))
        #expect(try driven(plan(3)) == held(3))
        #expect(try driven(plan(nil)) == held(4))
        #expect(try RolloutPlan(weights: Weights(version: 1, models: [plan(0).model()])) == plan(0))
        #expect(plan(nil).gateSafetyTakeoverSteps == 4 && plan(0).gateSafetyTakeoverSteps == 0)
    }

    @Test("each step the danger is seen renews a safety hold; a disagreement takeover under way is not cut by a shorter safety hold")
    func safetyHoldRenewsAndNeverCuts() throws {
        var random = RandomSource(seed: 2)
        let unsure = WorldModelEnsemble(observationDim: 3, actionDim: 1, hidden: [16], members: 5, random: &random)
        let (danger, calm) = (Self.driftingEnsemble(drift: [2, 0, 20]), Self.driftingEnsemble(drift: [0, 0, 0]))
        // `gates[step]`: the plan and ensemble of each of 8 steps; what the expert drove, per copy.
        func driven(_ gates: [(RolloutPlan, WorldModelEnsemble)]) throws -> [[Bool]] {
            var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 2, segmentSteps: gates.count, workerID: 1, seed: 3)
            let (policy, expert) = (Self.pendulumPolicy(), PendulumExpert())
            var segments: [TrajectorySegment] = []
            for (plan, ensemble) in gates {
                segments += collector.step(policy: policy, policyVersion: 1, plan: plan, gate: QueryGate(plan: plan, ensemble: ensemble)) { rows, o in
                    expert.act(batch: o, rows: rows.count, actionDim: 1)
                }
            }
            return segments.map(\.expertActed)
        }
        func held(_ steps: Int, of count: Int = 8) -> [[Bool]] { [[Bool]](repeating: (0..<count).map { $0 < steps }, count: 2) }
        let safety = RolloutPlan.gated(threshold: .infinity, horizon: 3, takeoverSteps: 6, safetyTakeoverSteps: 3)
        // Danger seen on steps 0–2, a hold of 3: the expert drives steps 0–4.
        #expect(try driven((0..<8).map { (safety, $0 < 3 ? danger : calm) }) == held(5))
        // Disagreement fires at step 0 (τ = 0: a 6-step takeover), danger at step 1 (a hold of
        // 3 would end at step 3): the takeover runs its 6.
        let unsureFirst = RolloutPlan.gated(threshold: 0, horizon: 0, takeoverSteps: 6, safetyTakeoverSteps: 3)
        #expect(try driven([(unsureFirst, unsure), (safety, danger)] + (2..<8).map { _ in (safety, calm) }) == held(6))
    }

    @Test("under an intervention rate, disagreement starts at most that many interventions per copy and step, and none inside one")
    func interventionsBudgeted() throws {
        var random = RandomSource(seed: 2)
        let ensemble = WorldModelEnsemble(observationDim: 3, actionDim: 1, hidden: [16], members: 5, random: &random)
        // Every row fires (τ = 0); 4 copies at 0.25 earn one intervention a step, each held 4
        // steps: one copy more each step until all four are held, the first free again at step 4.
        let plan = RolloutPlan.gated(threshold: 0, horizon: 0, takeoverSteps: 4, interventionRate: 0.25)
        #expect(try RolloutPlan(weights: Weights(version: 1, models: [plan.model()])) == plan)
        var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 4, segmentSteps: 8, workerID: 1, seed: 3)
        let (policy, expert) = (Self.pendulumPolicy(), PendulumExpert())
        var asked: [Int] = []
        var segments: [TrajectorySegment] = []
        for _ in 0..<8 {
            segments += collector.step(policy: policy, policyVersion: 1, plan: plan, gate: QueryGate(plan: plan, ensemble: ensemble)) { rows, o in
                asked.append(rows.count)
                return expert.act(batch: o, rows: rows.count, actionDim: 1)
            }
        }
        #expect(asked == [1, 2, 3, 4, 4, 4, 4, 4])
        // Every labelled step is one the expert drove: no label without an intervention.
        #expect(segments.allSatisfy { $0.expertMask == $0.expertActed })
        #expect(segments.reduce(0) { $0 + $1.labelledSteps } == asked.reduce(0, +))
        #expect(RolloutPlan.gated(threshold: 0, horizon: 0).gateInterventionRate == nil, "a plan without the field budgets nothing")
    }

    @Test("safety firings are not budgeted: at a rate of 0 the lookahead still hands every endangered copy to the expert")
    func safetyIsNotBudgeted() throws {
        let plan = RolloutPlan.gated(threshold: .infinity, horizon: 3, interventionRate: 0)
        // As in safetyFallback: every imagined first step is over the top and too fast.
        let (taken, dangerous) = try Self.rows(plan: plan, gate: QueryGate(plan: plan, ensemble: Self.driftingEnsemble(drift: [2, 0, 20])))
        #expect(taken == 4 * 20)
        #expect(dangerous.allSatisfy { $0.expertActed.allSatisfy { $0 } && $0.safetyEvents.filter { $0.kind == .expertTakeover }.count == $0.stepCount })
    }

    @Test("a first iteration where the expert drives one copy per worker: only that copy is asked, labelled and stepped; the untrained policy drives none")
    func expertDrivesOneCopy() throws {
        let plan = RolloutPlan.expertDrivesCopies(1)
        #expect(plan.needsExpert && plan.expertCopies == 1)
        var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 4, segmentSteps: 5, workerID: 1, seed: 3)
        let (policy, expert) = (Self.pendulumPolicy(), PendulumExpert())
        var asked: [[Int]] = []
        var segments: [TrajectorySegment] = []
        for _ in 0..<5 {
            segments += collector.step(policy: policy, policyVersion: 1, plan: plan, gate: nil) { rows, o in
                asked.append(rows)
                return expert.act(batch: o, rows: rows.count, actionDim: 1)
            }
        }
        #expect(asked == [[Int]](repeating: [0], count: 5))
        let bySlot = Dictionary(uniqueKeysWithValues: segments.map { ($0.envIndex, $0) })
        #expect(bySlot[0]?.expertActed == [Bool](repeating: true, count: 5) && bySlot[0]?.expertMask == [Bool](repeating: true, count: 5))
        // The other copies sat out: nothing recorded, nothing counted, still at their first state.
        #expect(Set(bySlot.keys) == [0] && collector.envSteps == 5)
        let first = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 4, segmentSteps: 5, workerID: 1, seed: 3).observations
        #expect(collector.observations[3...] == first[3...])
        let read = try RolloutPlan(weights: Weights(version: 1, models: [plan.model()]))
        #expect(read == plan)
    }

    @Test("takeover steps, intervention rates and expert copies out of range are refused on the wire")
    func interventionFieldsChecked() throws {
        func plan(replacing name: String, with value: Float, in base: RolloutPlan) -> Weights {
            var model = base.model()
            model.parameters = model.parameters.map { $0.name == name ? NamedTensor(name: name, tensor: Tensor(shape: [1], data: [value])) : $0 }
            return Weights(version: 1, models: [model])
        }
        let gated = RolloutPlan.gated(threshold: 0.5, horizon: 1, takeoverSteps: 8)
        #expect(try RolloutPlan(weights: Weights(version: 1, models: [gated.model()])).gateTakeoverSteps == 8)
        for name in [RolloutPlan.gateTakeoverName, RolloutPlan.gateSafetyTakeoverName] {
            let gated = RolloutPlan.gated(threshold: 0.5, horizon: 1, takeoverSteps: 8, safetyTakeoverSteps: 2)
            for value: Float in [-1, 0.5, 1001, .nan] {
                #expect(throws: WireError.self, "\(name) \(value)") { try RolloutPlan(weights: plan(replacing: name, with: value, in: gated)) }
            }
        }
        let budgeted = RolloutPlan.gated(threshold: 0.5, horizon: 1, takeoverSteps: 8, interventionRate: 0.03)
        for value: Float in [-0.1, 1.5, .nan, .infinity] {
            #expect(throws: WireError.self, "rate \(value)") { try RolloutPlan(weights: plan(replacing: RolloutPlan.gateInterventionRateName, with: value, in: budgeted)) }
        }
        // A field of several values is refused too, not read by its first.
        for name in [RolloutPlan.gateInterventionRateName, RolloutPlan.gateTakeoverName] {
            var model = budgeted.model()
            model.parameters = model.parameters.map { $0.name == name ? NamedTensor(name: name, tensor: Tensor(shape: [2], data: [0.01, .nan])) : $0 }
            #expect(throws: WireError.self, "\(name) with two values") { try RolloutPlan(weights: Weights(version: 1, models: [model])) }
        }
        for value: Float in [-1, 0.5, 1e9, .nan] {
            #expect(throws: WireError.self, "copies \(value)") { try RolloutPlan(weights: plan(replacing: RolloutPlan.expertCopiesName, with: value, in: .expertDrivesCopies(1))) }
        }
    }

    @Test("τ is set from the new model and policy: about query_rate of the states just visited fire under it")
    func thresholdCalibrated() throws {
        var (imitation, mega) = Self.settings(seed: 5)
        imitation.training.samplesPerIteration = 64
        mega.queryRate = 0.2
        mega.stepsPerIteration = 256
        mega.safetyTakeoverSteps = 5
        let algorithm = MegaDAgger(spec: Pendulum.spec, imitation: imitation, settings: mega)
        var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 8, segmentSteps: 16, workerID: 1, seed: 5)
        let expert = PendulumExpert()
        var visited: [Float] = []
        for _ in 0..<2 {
            visited = []
            let gate = try QueryGate.make(plan: algorithm.rolloutPlan, models: algorithm.models(), spec: Pendulum.spec)
            while !algorithm.readyToTrain {
                for segment in collector.step(policy: algorithm.policy, policyVersion: 1, plan: algorithm.rolloutPlan, gate: gate, expert: { rows, o in
                    expert.act(batch: o, rows: rows.count, actionDim: 1)
                }) {
                    _ = algorithm.ingest(segment)
                    for step in stride(from: 0, to: segment.stepCount, by: 2) { visited += segment.observations.row(step) }
                }
            }
            _ = algorithm.trainIteration()
        }
        #expect(algorithm.rolloutPlan.gateInterventionRate == 0.2, "the workers hold interventions to the same rate")
        #expect(algorithm.rolloutPlan.gateSafetyTakeoverSteps == 5, "the workers hold safety firings as the settings say")
        let rows = visited.count / 3
        var actions = [Float](repeating: 0, count: rows)
        visited.withUnsafeBufferPointer { s in actions.withUnsafeMutableBufferPointer { algorithm.policy.act(batch: s, rows: rows, into: $0) } }
        let scores = algorithm.worldModel.ensemble.predict(observations: visited, actions: actions, batch: rows).disagreement
        let fired = Double(scores.filter { $0 >= algorithm.threshold }.count) / Double(rows)
        #expect(abs(fired - 0.2) < 0.05, "\(fired) of \(rows) states fire under τ = \(algorithm.threshold)")
    }

    @Test("the lookahead's margin: a prediction just short of the unsafe region fires with it, not without")
    func safetyMargin() throws {
        // Each imagined step lifts cos θ by 2 (upper half) and adds 5.5 rad/s to θ̇: in the first
        // five steps after a reset (|θ̇| about 1 or less), unsafe (> 6 rad/s) only where θ̇ > 0.5.
        let ensemble = Self.driftingEnsemble(drift: [2, 0, 5.5])
        let plain = RolloutPlan.gated(threshold: .infinity, horizon: 1)
        let (without, _) = try Self.rows(plan: plain, gate: QueryGate(plan: plain, ensemble: ensemble), steps: 5)
        let wide = RolloutPlan.gated(threshold: .infinity, horizon: 1, margin: [0, 0, 4])
        #expect(wide.gateMargin == [0, 0, 4])
        let (with, _) = try Self.rows(plan: wide, gate: QueryGate(plan: wide, ensemble: ensemble), steps: 5)
        #expect(with == 4 * 5, "a 4 rad/s margin puts every predicted state above 2 rad/s in reach of > 6")
        #expect(without < with, "without a margin only the predictions already over 6 fire (\(without))")
        // On the wire: read back; negative, infinite or wrongly sized margins refused.
        let weights = Weights(version: 1, models: [Self.pendulumPolicy().model(), wide.model(), ensemble.model()])
        #expect(try QueryGate.make(plan: try RolloutPlan(weights: weights), models: weights.models, spec: Pendulum.spec)?.margin == [0, 0, 4])
        for bad: [Float] in [[0, 0, -1], [0, .infinity, 0]] {
            #expect(throws: WireError.self) { try RolloutPlan(weights: Weights(version: 1, models: [RolloutPlan.gated(threshold: 1, horizon: 1, margin: bad).model()])) }
        }
        #expect(throws: PolicyError.self) { try QueryGate.make(plan: RolloutPlan.gated(threshold: 1, horizon: 1, margin: [1, 1]), models: [ensemble.model()], spec: Pendulum.spec) }
    }

    @Test("a gated plan and its world model travel in weights: same predictions; bad ones are refused")
    func gateThroughWeights() throws {
        var random = RandomSource(seed: 7)
        let ensemble = WorldModelEnsemble(observationDim: 3, actionDim: 1, hidden: [8, 8], members: 4, random: &random)
        ensemble.setNormalisation(inputShift: [0.1, 0, -1, 0], inputScale: [1, 2, 0.5, 1], deltaShift: [0, 0.01, 0], deltaScale: [10, 10, 3])
        let plan = RolloutPlan.gated(threshold: 0.25, horizon: 7)
        let weights = Weights(version: 3, models: [Self.pendulumPolicy().model(), plan.model(), ensemble.model()])
        let read = try RolloutPlan(weights: weights)
        #expect(read == plan && read.gateThreshold == 0.25 && read.gateHorizon == 7)
        let spec = Pendulum.spec
        let gate = try #require(try QueryGate.make(plan: read, models: weights.models, spec: spec))
        let s: [Float] = [1, 0, 0.5, 0, 1, -2], a: [Float] = [0.3, -1]
        #expect(gate.ensemble.predict(observations: s, actions: a, batch: 2) == ensemble.predict(observations: s, actions: a, batch: 2))
        #expect(gate.threshold == 0.25 && gate.horizon == 7)

        #expect(throws: PolicyError.self) { try QueryGate.make(plan: plan, models: [Self.pendulumPolicy().model()], spec: spec) }
        #expect(throws: PolicyError.self) { try QueryGate.make(plan: plan, models: [ensemble.model()], spec: CartPole.spec) }
        var forged = ensemble.model()
        forged.architecture = "ensemble 4 mlp 4-100000000-3 tanh"
        #expect(throws: PolicyError.self) { try QueryGate.make(plan: plan, models: [forged], spec: spec) }
        forged.architecture = "ensemble 1000 mlp 4-8-8-3 tanh"
        #expect(throws: PolicyError.self) { try QueryGate.make(plan: plan, models: [forged], spec: spec) }
        var badScale = ensemble.model()
        badScale.parameters = badScale.parameters.map { $0.name == "world_model.delta_scale" ? NamedTensor(name: $0.name, tensor: Tensor(shape: [3], data: [1, 0, 1])) : $0 }
        #expect(throws: PolicyError.self) { try QueryGate.make(plan: plan, models: [badScale], spec: spec) }
        for (threshold, horizon) in [(Float.nan, 1), (-1, 1), (0.5, 101), (0.5, -1)] {
            var model = RolloutPlan.gated(threshold: 0.5, horizon: 1).model()
            model.parameters = model.parameters.map {
                $0.name == RolloutPlan.gateThresholdName ? NamedTensor(name: $0.name, tensor: Tensor(shape: [1], data: [threshold]))
                    : $0.name == RolloutPlan.gateHorizonName ? NamedTensor(name: $0.name, tensor: Tensor(shape: [1], data: [Float(horizon)])) : $0
            }
            #expect(throws: WireError.self, "threshold \(threshold), horizon \(horizon)") { try RolloutPlan(weights: Weights(version: 1, models: [model])) }
        }
    }

    static func settings(seed: UInt64) -> (ImitationSettings, MegaDAggerSettings) {
        var imitation = ImitationSettings()
        imitation.seed = seed
        // As the builder sets them for mega-dagger.
        imitation.training.samplesPerIteration = 128
        imitation.dagger.betaDecay = 0.7
        imitation.dagger.firstExpertCopies = 1
        return (imitation, MegaDAggerSettings())
    }

    @Test("β's clock counts the env steps collected since the first iteration and the coming iteration's, in episodes; per iteration when asked, or with no usable episode limit; it survives a checkpoint")
    func betaPerEpisode() throws {
        let (imitation, _) = Self.settings(seed: 4)
        let pendulum = try ExpertDrivenPendulum()
        func segments(steps: Int) -> [TrajectorySegment] { pendulum.segments(steps: steps) }
        let first = segments(steps: 32), second = segments(steps: 80)  // 128 and 320 env steps (4 copies, 16-step segments)
        func trained(episodeLimit: Int, perEpisode: Bool = true, stepsPerIteration: Int = 256) -> MegaDAgger {
            let spec = EnvironmentSpec(
                id: "Pendulum-v1", observationDim: 3, actionSpace: Pendulum.spec.actionSpace, maxEpisodeSteps: episodeLimit, rewardThreshold: nil,
                stateNames: Pendulum.spec.stateNames)
            var mega = MegaDAggerSettings()
            mega.betaPerEpisode = perEpisode
            // The clock alone (the ceiling from the policy's error: betaFollowsPolicyError).
            mega.betaFromError = false
            mega.stepsPerIteration = stepsPerIteration
            let algorithm = MegaDAgger(spec: spec, imitation: imitation, settings: mega)
            for segment in first { _ = algorithm.ingest(segment) }
            _ = algorithm.trainIteration()
            return algorithm
        }
        func beta(_ algorithm: MegaDAgger) -> Double { Double(algorithm.rolloutPlan.expertActionProbability) }
        func near(_ value: Double, _ expected: Double) -> Bool { abs(value - expected) < 1e-6 }
        // After the first iteration: the coming iteration's steps only.
        #expect(near(beta(trained(episodeLimit: 1000)), Foundation.pow(0.7, 0.256)))
        #expect(near(beta(trained(episodeLimit: 200)), Foundation.pow(0.7, 1.28)))
        #expect(near(beta(trained(episodeLimit: 1000, stepsPerIteration: 512)), Foundation.pow(0.7, 0.512)))
        #expect(near(beta(trained(episodeLimit: 1000, perEpisode: false)), 0.7))
        #expect(near(beta(trained(episodeLimit: 0)), 0.7), "no episode limit: iterations")
        #expect(near(beta(trained(episodeLimit: 1_000_000)), 0.7), "a limit standing in for none: iterations")
        // Then the steps actually collected count, and the "beta" metric is the plan's.
        let algorithm = trained(episodeLimit: 1000)
        for segment in second { _ = algorithm.ingest(segment) }
        let metrics = algorithm.trainIteration()
        #expect(near(beta(algorithm), Foundation.pow(0.7, Double(320 + 256) / 1000)))
        #expect(metrics.filter { $0.name == "beta" }.map(\.value) == [Double(algorithm.rolloutPlan.expertActionProbability)])
        // A restored learner keeps the clock.
        let (tensors, random) = algorithm.checkpointState()
        let restored = MegaDAgger(spec: algorithm.spec, imitation: imitation, settings: algorithm.settings)
        try restored.restore(models: algorithm.models(), tensors: tensors, random: random, iteration: algorithm.iteration)
        #expect(restored.rolloutPlan.expertActionProbability == algorithm.rolloutPlan.expertActionProbability)
    }

    @Test("β is held to the policy's error on the states labelled since the last iteration (the schedule's until one is measured; an iteration with no labels keeps it); a checkpoint keeps it, an old one starts at the schedule, a bad one is refused")
    func betaFollowsPolicyError() throws {
        let (defaults, mega) = Self.settings(seed: 4)
        var imitation = defaults
        // A schedule that stays high, so that the policy's error is under it.
        imitation.dagger.betaDecay = 0.999
        let pendulum = try ExpertDrivenPendulum()
        func segments(steps: Int) -> [TrajectorySegment] { pendulum.segments(steps: steps) }
        let algorithm = MegaDAgger(spec: Pendulum.spec, imitation: imitation, settings: mega)
        for segment in segments(steps: 64) { _ = algorithm.ingest(segment) }
        // Trained long enough on these to do better than the labels' mean.
        for _ in 0..<6 { _ = algorithm.trainIteration() }
        let scheduled = { Float(Foundation.pow(0.999, algorithm.betaClock)) }
        #expect(abs(algorithm.rolloutPlan.expertActionProbability - scheduled()) < 1e-6, "nothing measured yet: the schedule's β")
        // The error, worked out apart: the policy as it drove, against the labels of the states
        // labelled since.
        let fresh = segments(steps: 64)
        var expected = FreshLabelError(head: .gaussian, actionDim: 1)
        for segment in fresh {
            let labelled = (0..<segment.stepCount).filter { segment.expertMask[$0] }
            var actions = [Float](repeating: 0, count: labelled.count)
            let observations = labelled.flatMap { segment.observations.row($0) }
            observations.withUnsafeBufferPointer { o in actions.withUnsafeMutableBufferPointer { algorithm.policy.act(batch: o, rows: labelled.count, into: $0) } }
            expected.add(policyActions: actions, labels: labelled.flatMap { segment.expertActions!.row($0) }, rows: labelled.count)
        }
        #expect(expected.rows == 256)
        for segment in fresh { _ = algorithm.ingest(segment) }
        let metrics = Dictionary(uniqueKeysWithValues: algorithm.trainIteration().map { ($0.name, $0.value) })
        let error = try #require(expected.value)
        #expect(abs(try #require(metrics["policy_error_fresh"]) - error) < 1e-9)
        let beta = algorithm.rolloutPlan.expertActionProbability
        #expect(abs(beta - min(scheduled(), Float(error))) < 1e-6, "β \(beta), error \(error), schedule \(scheduled())")
        #expect(error < Double(scheduled()), "an error under the schedule's β, so that the ceiling is what this checks (\(error))")
        // A checkpoint keeps the ceiling; one without it (written before it existed) starts at 1;
        // one that is not a single probability is refused.
        let (tensors, random) = algorithm.checkpointState()
        func restored(_ edit: (inout [NamedTensor]) -> Void) throws -> MegaDAgger {
            var edited = tensors
            edit(&edited)
            let learner = MegaDAgger(spec: Pendulum.spec, imitation: imitation, settings: mega)
            try learner.restore(models: algorithm.models(), tensors: edited, random: random, iteration: algorithm.iteration)
            return learner
        }
        #expect(try restored { _ in }.rolloutPlan.expertActionProbability == beta)
        #expect(abs(try restored { $0.removeAll { $0.name == "beta_ceiling" } }.rolloutPlan.expertActionProbability - scheduled()) < 1e-6)
        for bad: [Float] in [[1.5], [-0.1], [.nan], [0.1, 0.2]] {
            #expect(throws: WireError.self, "\(bad)") {
                try restored { tensors in
                    for index in tensors.indices where tensors[index].name == "beta_ceiling" { tensors[index].tensor = Tensor(shape: [bad.count], data: bad) }
                }
            }
        }
        // An iteration that labelled nothing leaves the ceiling as it was.
        _ = algorithm.trainIteration()
        #expect(algorithm.rolloutPlan.expertActionProbability == beta)
    }

    @Test("unsafe events at steps where the expert acted are counted apart (falls the expert could no longer catch); a checkpoint keeps the count")
    func unsafeEventsUnderTheExpert() throws {
        let (imitation, mega) = Self.settings(seed: 6)
        var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 1, segmentSteps: 8, workerID: 1, seed: 5)
        let (policy, expert) = (Self.pendulumPolicy(), PendulumExpert())
        var segments = (0..<16).flatMap { _ in
            collector.step(policy: policy, policyVersion: 1, plan: .expertDrivesCopies(1), gate: nil) { rows, o in
                expert.act(batch: o, rows: rows.count, actionDim: 1)
            }
        }
        #expect(segments.count == 2)
        // The second segment, as if the policy drove steps 0–3 and the expert 4–7, with entries
        // into the unsafe region at steps 1 (policy), 5 and 6 (expert).
        segments[1].expertActed = (0..<8).map { $0 >= 4 }
        segments[1].safetyEvents = [1, 5, 6].map { SafetyEvent(step: $0, kind: .violation, severity: 1) }
            + [SafetyEvent(step: 4, kind: .expertTakeover, severity: 0)]
        let algorithm = MegaDAgger(spec: Pendulum.spec, imitation: imitation, settings: mega)
        _ = algorithm.ingest(segments[0])
        _ = algorithm.trainIteration()
        _ = algorithm.ingest(segments[1])
        let (tensors, random) = algorithm.checkpointState()
        let restored = MegaDAgger(spec: Pendulum.spec, imitation: imitation, settings: mega)
        try restored.restore(models: algorithm.models(), tensors: tensors, random: random, iteration: algorithm.iteration)
        for learner in [algorithm, restored] {
            let metrics = Dictionary(uniqueKeysWithValues: learner.trainIteration().map { ($0.name, $0.value) })
            #expect(metrics["unsafe_events_expert_acting"] == 2 && metrics["safety_takeovers"] == 1)
        }
    }

    @Test("MEGA-DAgger reaches −200 on Pendulum-v1 in one process, with the model's metrics", arguments: [UInt64(1), 2])
    func learnsPendulum(seed: UInt64) async throws {
        let outcome = try await offCooperativePool { () throws -> InProcessRunner.Outcome in
            let (imitation, mega) = Self.settings(seed: seed)
            var run = InProcessRunner.Settings(envID: "Pendulum-v1", targetReturn: -200)
            run.seed = seed
            run.maxEnvSteps = 60_000
            return try InProcessRunner(settings: run, expert: PendulumExpert()).run(MegaDAgger(spec: Pendulum.spec, imitation: imitation, settings: mega))
        }
        #expect(outcome.reachedTarget, "eval \(outcome.evalReturn) after \(outcome.envSteps) steps")
        #expect(outcome.expertQueries < outcome.envSteps, "the gate saved no query")
        let names = Set(outcome.lastMetrics.map(\.name))
        for name in ["model_error", "disagreement_error_correlation", "gate_threshold", "queries_per_1k_steps", "safety_takeovers"] {
            #expect(names.contains(name), "metrics lack \(name)")
        }
    }

    @Test("a restored checkpoint continues bit for bit")
    func checkpointContinuesExactly() throws {
        let (imitation, mega) = Self.settings(seed: 3)
        let original = MegaDAgger(spec: Pendulum.spec, imitation: imitation, settings: mega)
        var collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 4, segmentSteps: 16, workerID: 1, seed: 5)
        let expert = PendulumExpert()
        func feed(_ algorithm: MegaDAgger, steps: Int) throws {
            let gate = try QueryGate.make(plan: algorithm.rolloutPlan, models: algorithm.models(), spec: Pendulum.spec)
            for _ in 0..<steps {
                let segments = collector.step(policy: algorithm.policy, policyVersion: 1, plan: algorithm.rolloutPlan, gate: gate) { rows, o in
                    expert.act(batch: o, rows: rows.count, actionDim: 1)
                }
                for segment in segments { _ = algorithm.ingest(segment) }
            }
        }
        try feed(original, steps: 64)
        _ = original.trainIteration()
        try feed(original, steps: 64)
        let (tensors, random) = original.checkpointState()
        let restored = MegaDAgger(spec: Pendulum.spec, imitation: imitation, settings: mega)
        try restored.restore(models: original.models(), tensors: tensors, random: random, iteration: original.iteration)
        #expect(restored.models() == original.models())
        _ = original.trainIteration()
        _ = restored.trainIteration()
        #expect(restored.models() == original.models())
    }

    @Test("imagination picks confident imagined states far from every label and from each other; τ = 0 trusts none")
    func imagination() throws {
        // The model says "no change": imagined states are the starts themselves, every member
        // agreeing (disagreement 0).
        let ensemble = Self.driftingEnsemble(drift: [0, 0, 0])
        let policy = Self.pendulumPolicy()
        var labelled = LabelledDataset(observationDim: 3, labelDim: 1, capacity: 100)
        labelled.append(observation: [1, 0, 0], label: [0])
        let starts: [Float] = [1, 0, 0.01, 0, 1, 0, -1, 0, 0, 0.99, 0.1, 0]
        var random = RandomSource(seed: 1)
        let picked = Imagination.statesWorthLabels(
            from: starts, ensemble: ensemble, policy: policy, horizon: 2, confidentBelow: 0.5, labelled: labelled, count: 2, random: &random)
        // Farthest from the label (1, 0, 0): (−1, 0, 0); then farthest from both: (0, 1, 0).
        #expect(picked == [-1, 0, 0, 0, 1, 0])
        let none = Imagination.statesWorthLabels(
            from: starts, ensemble: ensemble, policy: policy, horizon: 2, confidentBelow: 0, labelled: labelled, count: 2, random: &random)
        #expect(none.isEmpty)
    }

    @Test("with imagination on, the learner's own queries reach the dataset and are counted")
    func imaginedLabelsCounted() throws {
        var (imitation, mega) = Self.settings(seed: 2)
        mega.imaginedLabels = 8
        var run = InProcessRunner.Settings(envID: "Pendulum-v1", targetReturn: .infinity)
        run.maxEnvSteps = 1_600
        run.evalEvery = 1_000
        let algorithm = MegaDAgger(spec: Pendulum.spec, imitation: imitation, settings: mega)
        var imagined = 0.0
        let outcome = try InProcessRunner(settings: run, expert: PendulumExpert()).run(algorithm) { o in
            imagined += o.lastMetrics.first { $0.name == "imagined_labels" }?.value ?? 0
        }
        #expect(outcome.iterations >= 3)
        #expect(imagined > 0)
        #expect(algorithm.labels.dataset.added <= outcome.expertQueries, "every label was paid for")
    }
}

/// Four Pendulum-v1 copies driven by its expert, every step labelled, in 16-step segments.
final class ExpertDrivenPendulum {
    private var collector: any LocalRolloutCollecting
    private let policy = MegaDAggerTests.pendulumPolicy()
    private let expert = PendulumExpert()

    init() throws {
        collector = try RolloutCollectors.make(envID: "Pendulum-v1", envCount: 4, segmentSteps: 16, workerID: 1, seed: 5)
    }

    /// The segments that `steps` steps of the four copies complete.
    func segments(steps: Int) -> [TrajectorySegment] {
        (0..<steps).flatMap { _ in
            collector.step(policy: policy, policyVersion: 1, plan: .expertDrivesCopies(4), gate: nil) { [expert] rows, o in
                expert.act(batch: o, rows: rows.count, actionDim: 1)
            }
        }
    }
}
