import Foundation
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire

/// Hyperparameters of MEGA-DAgger's world model and gate (the policy's are `ImitationSettings`).
public struct MegaDAggerSettings: Sendable, Equatable, Codable {
    public var members = 5
    public var hiddenSizes = [64, 64]
    public var modelLearningRate: Float = 1e-3
    public var modelBatchSize = 256
    /// The fit is most of an iteration's learner time; 50 (was 100) took 15–25 % off the time to
    /// target on Walker2d-v5, Ant-v5 and Pendulum-v1 with queries and unsafe events within the
    /// runs' noise; on InvertedPendulum-v5 (reached in ~5 iterations) only the update's time
    /// fell (2026-12-06, docs/algorithms/mega-dagger.md).
    public var modelStepsPerIteration = 50
    /// Whether the fit runs on two threads: half the members on each, the policy's update
    /// beside the smaller half.
    public var parallelFit = true
    public var transitionCapacity = 200_000
    /// Env steps of experience between iterations after the first (whose size is the
    /// policy's `samplesPerIteration` labels, the expert driving).
    public var stepsPerIteration = 256
    /// τ: rows whose disagreement is at least this are labelled (∞: none, 0: all).
    public var threshold: Float = 0.5
    /// When positive, τ is set after each iteration so that the gate fires on about this
    /// fraction of the states just visited, and the workers let this many interventions start
    /// per copy and step, on average (`InterventionBudget`).
    public var queryRate: Float = 0.03
    /// Safety lookahead: imagined steps under the policy (0: none).
    public var horizon = 10
    /// Whether the expert also acts with DAgger's β_i after the first iteration.
    public var betaMixture = true
    /// Whether β's clock counts episodes' worth of env steps (those collected over the
    /// environment's episode limit; `MegaDAgger.betaClock`) rather than iterations. DAgger's
    /// iterations are sets of whole trajectories (Ross et al., 2011); here an iteration is 256
    /// env steps, a quarter of a MuJoCo episode and more than a whole Pendulum-v1 one, so per
    /// iteration β fell four to five times as fast per episode on the robots: Walker2d-v5's
    /// policies drove before they were good and fell (median 15.5 falls to the target against
    /// DAgger's 8; with β 0.9 an iteration, about 0.7 an episode there, 6;
    /// docs/algorithms/mega-dagger.md).
    public var betaPerEpisode = true
    /// Whether β is also held to the policy's error on the states the workers had labelled in
    /// the last iteration, measured as the learner holds it when they arrive, before training on
    /// them (`FreshLabelError`; imagined labels left out): the expert acts about as often as the
    /// policy would still act otherwise, never more than the schedule says.
    public var betaFromError = true
    /// Where disagreement fires, the expert drives that copy for this many steps (0: it labels
    /// the one state and the policy drives on).
    public var takeoverSteps = 8
    /// Where a safety firing (the lookahead or the fall-risk critic) hands a copy to the expert,
    /// the steps it drives from there, the firing step included (as `takeoverSteps` counts; 0
    /// and 1: that step alone). The firing recurs, and renews the hold, on every step the danger
    /// is seen, so 2 ends it one step after the last, where `takeoverSteps` held the expert 7
    /// past it; handing back at once let Hopper-v5's policies fall at the edge of it. Measured
    /// against 8 it is no better and no worse (Walker2d-v5 and Hopper-v5, seeds 21–40:
    /// docs/algorithms/mega-dagger.md, "How long a safety takeover holds"). A row flagged by
    /// both the disagreement and a safety firing takes this hold.
    public var safetyTakeoverSteps = 2
    /// Steps in a row a copy's own state may stay inside the unsafe region with the safety
    /// fallback still handing it to the expert; past them it lets go until the state leaves
    /// (`UnsafeStay`: HalfCheetah-v5 on its back, which nobody can right and v5 never ends,
    /// gave the expert every remaining step of the episode). 0: no limit.
    public var unsafeStaySteps = 50
    /// The lookahead's margin, in multiples of the model's held-out one-step error (90th
    /// percentile per dimension); 0: predicted states are judged as they are.
    public var safetyMargin: Float = 3
    /// Imagination: states per iteration the learner imagines ahead of the policy and has the
    /// expert label (0: none).
    public var imaginedLabels = 0
    /// Imagined steps from each recent real state.
    public var imaginationHorizon = 10
    /// The fall-risk critic (`FallRiskTrainer`): it learns, from the real steps, whether the
    /// unsafe region was entered at the step taken from a state or within this many after it
    /// (0: no critic), and the expert takes over where its probability is `fallRiskThreshold`
    /// or more. Falls that develop faster than the world model's imagined paths can follow:
    /// with it, Walker2d-v5 and Hopper-v5 fell about half as often to the race's level with the
    /// same labels (docs/algorithms/mega-dagger.md, "The fall-risk critic").
    public var fallRiskHorizon = 100
    public var fallRiskThreshold: Float = 0.3
    /// The critic's updates per iteration (minibatches of `modelBatchSize`).
    public var fallRiskStepsPerIteration = 50

    public init() {}
}

/// MEGA-DAgger: DAgger whose workers ask the expert only where a learned world model says it
/// matters. The model-based part follows the seed's description (a world model M(s, a) → s′,
/// an ensemble for uncertainty, the expert where the model is uncertain, the model improved
/// with real data, conservative: the expert acts where an imagined rollout looks unsafe).
///
/// Each iteration the learner fits an ensemble of `members` MLPs to the real transitions
/// (bootstrapped minibatches; `WorldModelTrainer`), retrains the policy on every label so far
/// (DAgger's aggregate, `SupervisedImitation`), and publishes the policy, the ensemble and a
/// gated rollout plan. Workers then act with the policy and ask the expert only where the
/// gate fires (`QueryGate`): disagreement on (s, π(s)) ≥ τ, or an imagined `horizon`-step
/// rollout under π that comes within the safety margin of the environment's unsafe region.
/// There the expert takes over the copy, every state labelled: `takeoverSteps` steps where
/// disagreement fired, `safetyTakeoverSteps` where danger was seen (recorded as takeovers). The first iteration is DAgger's, shaped by
/// `ImitationSettings.firstExpertCopies`: the expert drives a few copies for whole episodes,
/// the others sit it out; the expert's transitions are the model's first data.
public final class MegaDAgger: ImitationAlgorithm {
    public let settings: MegaDAggerSettings
    public let spec: EnvironmentSpec
    public let labels: SupervisedImitation
    public let worldModel: WorldModelTrainer
    /// The fall-risk critic's outcomes and fit (nil with `fallRiskHorizon` 0).
    public let fallRisk: FallRiskTrainer?
    public private(set) var threshold: Float
    /// Per observation dimension, `settings.safetyMargin` times how far a one-step prediction
    /// may be off (held-out 90th percentile): the lookahead judges a predicted state and its
    /// neighbours this far away.
    public private(set) var safetyMargin: [Float] = []
    private var stepsSinceIteration = 0
    private var labelsSinceIteration = 0
    private var takeoversSinceIteration = 0
    /// Unsafe events at steps where the expert acted (a β row, an intervention, the safety
    /// fallback): on the robots, falls the lookahead foresaw too late for the expert to catch.
    private var expertUnsafeSinceIteration = 0
    private var recentDisagreement: [Float] = []
    private var lastModelLoss = Float.nan
    private let fitLanes = PairedThreads()
    /// The world model's bootstrap draws and imagination's (the policy's are the labels learner's).
    private var random: RandomSource
    /// Real states of the last iteration's segments (every second step, the newest
    /// `recentStateLimit`): where τ is calibrated and imagination starts.
    private var recentStarts: [Float] = []
    static let recentStateLimit = 1024
    /// Set by an iteration: the next segment starts a new window (imagination reads the old
    /// one in between).
    private var recentStartsStale = false
    private var imaginedSinceIteration = 0
    /// Env steps of the segments ingested after the first iteration: β's clock.
    private var stepsSinceFirstIteration = 0
    /// The driving policy against the expert on the states labelled since the last iteration.
    private var freshError: FreshLabelError
    /// β's ceiling: the `freshError` of the last iteration that labelled states (1 before one,
    /// and after one whose error was not finite).
    private var betaCeiling: Float = 1

    public var name: String { "mega-dagger" }
    public var usesWorkers: Bool { true }
    public var iteration: Int { labels.iteration }
    public var policy: PolicyNetwork { labels.policy }

    public init(spec: EnvironmentSpec, imitation: ImitationSettings, settings: MegaDAggerSettings, demonstrations: [TrajectorySegment] = []) {
        self.spec = spec
        self.settings = settings
        labels = SupervisedImitation(mode: .dagger, spec: spec, settings: imitation, demonstrations: demonstrations)
        var random = RandomSource(seed: imitation.seed &+ 0x4D45_4741)
        let ensemble = WorldModelEnsemble(
            observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension, hidden: settings.hiddenSizes,
            members: settings.members, learningRate: settings.modelLearningRate, random: &random)
        worldModel = WorldModelTrainer(ensemble: ensemble, capacity: settings.transitionCapacity, batchSize: settings.modelBatchSize, seed: random.next())
        fallRisk = settings.fallRiskHorizon > 0
            ? FallRiskTrainer(
                critic: FallRiskNetwork(observationDim: spec.observationDim, hidden: settings.hiddenSizes, learningRate: settings.modelLearningRate, random: &random),
                horizon: settings.fallRiskHorizon, capacity: settings.transitionCapacity, batchSize: settings.modelBatchSize, seed: random.next())
            : nil
        self.random = random.split()
        threshold = settings.threshold
        freshError = FreshLabelError(head: labels.policy.head, actionDim: spec.actionSpace.dimension)
        for episode in demonstrations { worldModel.add(episode) }
    }

    public var rolloutPlan: RolloutPlan {
        // Before the first iteration nothing is trained: DAgger's first plan. Then DAgger's
        // β-mixture (the expert acts, and labels, with probability β_i) with the gate and its
        // interventions on the rows the policy drives.
        guard iteration > 0 else { return labels.rolloutPlan }
        let scheduled = Float(min(1, max(0, labels.settings.dagger.beta(after: betaClock))))
        let beta = settings.betaMixture ? (settings.betaFromError ? min(scheduled, betaCeiling) : scheduled) : 0
        // With a query rate, the workers hold the disagreement's interventions to it
        // (`InterventionBudget`); with a fixed τ, every row past it.
        return .gated(
            threshold: threshold, horizon: settings.horizon, takeoverSteps: settings.takeoverSteps, safetyTakeoverSteps: settings.safetyTakeoverSteps,
            expertActionProbability: beta, margin: safetyMargin,
            interventionRate: settings.queryRate > 0 ? settings.queryRate : nil, riskThreshold: fallRisk?.hasLearned == true ? settings.fallRiskThreshold : nil,
            unsafeStaySteps: settings.unsafeStaySteps)
    }

    /// Where β's schedule stands for the iteration about to run: iterations, or with
    /// `betaPerEpisode` episodes' worth of env steps, those collected since the first iteration
    /// (counted, so a resumed run or another `stepsPerIteration` keeps its place) and the coming
    /// iteration's. Iterations where the episode limit is none or past `betaEpisodeLimitCap`
    /// (there an episode is no measure of experience: β would stay near 1).
    var betaClock: Double {
        let limit = spec.maxEpisodeSteps
        guard settings.betaPerEpisode, limit > 0, limit <= Self.betaEpisodeLimitCap else { return Double(iteration) }
        return Double(stepsSinceFirstIteration + settings.stepsPerIteration) / Double(limit)
    }

    /// The longest episode limit β's clock counts episodes of (Gymnasium's own environments
    /// end episodes within 10,000 steps at most; a limit beyond is a stand-in for none).
    static let betaEpisodeLimitCap = 100_000

    public func ingest(_ segment: TrajectorySegment) -> Int {
        let added = labels.ingest(segment)
        worldModel.add(segment)
        fallRisk?.add(segment)
        stepsSinceIteration += segment.stepCount
        if iteration > 0 {
            stepsSinceFirstIteration += segment.stepCount
            measureFreshError(segment)
        }
        labelsSinceIteration += added
        takeoversSinceIteration += segment.safetyEvents.lazy.filter { $0.kind == .expertTakeover }.count
        expertUnsafeSinceIteration += segment.safetyEvents.lazy.filter {
            $0.kind == .violation && Int($0.step) < segment.expertActed.count && segment.expertActed[Int($0.step)]
        }.count
        recentDisagreement += segment.uncertainty
        if recentStartsStale {
            recentStarts.removeAll(keepingCapacity: true)
            recentStartsStale = false
        }
        for step in stride(from: 0, to: segment.stepCount, by: 2) { recentStarts += segment.observations.row(step) }
        // Trimmed in halves here (a shift per segment would be quadratic), exactly per iteration.
        trimRecentStates(above: 2 * Self.recentStateLimit)
        return added
    }

    public var readyToTrain: Bool {
        iteration == 0 ? labels.readyToTrain : stepsSinceIteration >= settings.stepsPerIteration
    }

    public func trainIteration() -> [Metric] {
        let steps = stepsSinceIteration
        // The fit was ~80 % of an iteration's update on Pendulum-v1 (perf, 2026-12-06); the
        // workers wait for the next version meanwhile, so the second core is free for half of
        // it and for the policy's update, which does not need the model.
        if settings.parallelFit, ProcessInfo.processInfo.activeProcessorCount > 1 { fitLanes.open() }
        var metrics: [Metric] = []
        lastModelLoss = worldModel.fit(steps: settings.modelStepsPerIteration, random: &random, lanes: fitLanes) { [labels] in
            metrics = labels.trainIteration()
        }
        fitLanes.close()
        if let fallRisk {
            let loss = fallRisk.fit(steps: settings.fallRiskStepsPerIteration, random: &random)
            metrics += [Metric(name: "fall_risk_loss", value: Double(loss)), Metric(name: "fall_risk_positives", value: Double(fallRisk.positives))]
        }
        metrics.removeAll { $0.name == "beta" }
        trimRecentStates(above: Self.recentStateLimit)
        if settings.queryRate > 0, let calibrated = calibratedThreshold() { threshold = calibrated }
        recentStartsStale = true
        let (error, correlation, margin) = worldModel.evaluate()
        if settings.safetyMargin > 0, !margin.isEmpty, margin.allSatisfy(\.isFinite) { safetyMargin = margin.map { $0 * settings.safetyMargin } }
        metrics += [
            Metric(name: "model_loss", value: Double(lastModelLoss)),
            Metric(name: "model_error", value: error),
            Metric(name: "disagreement_error_correlation", value: correlation),
            Metric(name: "gate_threshold", value: Double(threshold)),
            Metric(name: "queries_per_1k_steps", value: steps > 0 ? 1000 * Double(labelsSinceIteration) / Double(steps) : .nan),
            Metric(name: "safety_takeovers", value: Double(takeoversSinceIteration)),
            Metric(name: "unsafe_events_expert_acting", value: Double(expertUnsafeSinceIteration)),
            Metric(name: "mean_disagreement", value: recentDisagreement.isEmpty ? .nan : Double(recentDisagreement.reduce(0, +)) / Double(recentDisagreement.count)),
            Metric(name: "transitions", value: Double(worldModel.transitions.count)),
            Metric(name: "imagined_labels", value: Double(imaginedSinceIteration)),
            Metric(name: "policy_error_fresh", value: freshError.value ?? .nan),
        ]
        // No labels: the last measure stands (late in a run a quiet gate labels nothing for
        // an iteration, and the schedule's β would spend labels on a policy that has not
        // changed). A non-finite error (a policy answering NaN): the schedule's β.
        if let error = freshError.value { betaCeiling = error.isFinite ? Float(min(1, error)) : 1 }
        // β of the plan the workers get next (the labels learner's own "beta" is DAgger's schedule).
        metrics.append(Metric(name: "beta", value: Double(rolloutPlan.expertActionProbability)))
        imaginedSinceIteration = 0
        stepsSinceIteration = 0
        labelsSinceIteration = 0
        takeoversSinceIteration = 0
        expertUnsafeSinceIteration = 0
        recentDisagreement.removeAll(keepingCapacity: true)
        freshError.reset()
        return metrics
    }

    /// Adds the segment's labelled states to `freshError`, with the policy as it is now.
    private func measureFreshError(_ segment: TrajectorySegment) {
        guard let expert = segment.expertActions else { return }
        let steps = (0..<segment.stepCount).filter { segment.expertMask[$0] }
        guard !steps.isEmpty else { return }
        let observations = steps.flatMap { segment.observations.row($0) }
        var actions = [Float](repeating: 0, count: steps.count * spec.actionSpace.dimension)
        observations.withUnsafeBufferPointer { s in actions.withUnsafeMutableBufferPointer { policy.act(batch: s, rows: steps.count, into: $0) } }
        freshError.add(policyActions: actions, labels: steps.flatMap { expert.row($0) }, rows: steps.count)
    }

    /// Keeps the newest `recentStateLimit` states once there are more than `bound`.
    private func trimRecentStates(above bound: Int) {
        let (dim, keep) = (spec.observationDim, Self.recentStateLimit * spec.observationDim)
        if recentStarts.count > bound * dim { recentStarts.removeFirst(recentStarts.count - keep) }
    }

    /// τ for the next iteration: the (1 − rate) quantile of the new ensemble's disagreement on
    /// (s, π(s)) over the states the workers just visited, with the new policy. Scores from the
    /// old model and policy do not carry over: after a refit the disagreement's scale moves by
    /// 2–3× (measured on Acrobot-v1), and a quantile of the old scores fired on 0 % of the
    /// next rows, then on 98 %.
    private func calibratedThreshold() -> Float? {
        let rows = recentStarts.count / spec.observationDim
        guard rows > 0 else { return nil }
        var actions = [Float](repeating: 0, count: rows * spec.actionSpace.dimension)
        recentStarts.withUnsafeBufferPointer { s in actions.withUnsafeMutableBufferPointer { policy.act(batch: s, rows: rows, into: $0) } }
        let sorted = worldModel.ensemble.predict(observations: recentStarts, actions: actions, batch: rows).disagreement.sorted()
        return sorted[min(rows - 1, Int(Float(rows) * (1 - settings.queryRate)))]
    }

    public func models() -> [Model] {
        [policy.model(), rolloutPlan.model(), worldModel.ensemble.model()] + (fallRisk.flatMap { $0.hasLearned ? [$0.critic.model()] : nil } ?? [])
    }

    public func checkpointState() -> (tensors: [NamedTensor], random: [UInt64]) {
        let (tensors, random) = labels.checkpointState()
        var state = CheckpointState(tensors + worldModel.tensors())
        for (index, optimiser) in worldModel.ensemble.optimiserStates.enumerated() { state.add(optimiser, prefix: "world_model.adam\(index)") }
        state.add("gate_threshold", [threshold])
        state.add("safety_margin", safetyMargin)
        state.add("steps_since_iteration", [Float(stepsSinceIteration)])
        state.add("steps_since_first_iteration", [Float(stepsSinceFirstIteration)])
        state.add("labels_since_iteration", [Float(labelsSinceIteration)])
        state.add("takeovers_since_iteration", [Float(takeoversSinceIteration)])
        state.add("expert_unsafe_since_iteration", [Float(expertUnsafeSinceIteration)])
        state.add("recent_disagreement", recentDisagreement)
        state.add("recent_starts", recentStarts)
        state.add("recent_starts_stale", [recentStartsStale ? 1 : 0])
        state.add("beta_ceiling", [betaCeiling])
        if let fallRisk { state = CheckpointState(state.tensors + fallRisk.tensors()) }
        // The labels learner's generator, then the world model's.
        return (state.tensors, random + self.random.stateWords)
    }

    public func restore(models: [Model], tensors: [NamedTensor], random: [UInt64], iteration: Int) throws {
        guard random.count == 8, let modelRandom = RandomSource(state: Array(random[4...])) else {
            throw WireError.invalidField("checkpoint.rng_state", reason: "mega-dagger needs 8 generator words, the checkpoint has \(random.count)")
        }
        try labels.restore(models: models, tensors: tensors, random: Array(random[..<4]), iteration: iteration)
        self.random = modelRandom
        guard let model = models.first(where: { $0.kind == .worldModel }) else { throw WireError.missingField("checkpoint.weights.world_model") }
        let restored = try WorldModelEnsemble.make(model: model, observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension)
        try worldModel.ensemble.load(restored.namedTensors())
        try worldModel.restore(from: tensors)
        let state = CheckpointState(tensors)
        for (index, optimiser) in worldModel.ensemble.optimiserStates.enumerated() { try state.restore(optimiser, prefix: "world_model.adam\(index)") }
        guard let saved = try state.values("gate_threshold").first, saved >= 0, !saved.isNaN else {
            throw WireError.invalidField("checkpoint.state.gate_threshold", reason: "not a threshold ≥ 0")
        }
        threshold = saved
        // Absent from checkpoints written before the margin existed.
        safetyMargin = (try? state.values("safety_margin")) ?? []
        stepsSinceIteration = try state.count("steps_since_iteration")
        // Absent from checkpoints written before β's clock counted steps: as if every iteration
        // after the first had been `stepsPerIteration` long.
        stepsSinceFirstIteration = state.has("steps_since_first_iteration")
            ? try state.count("steps_since_first_iteration") : max(0, iteration - 1) * settings.stepsPerIteration
        labelsSinceIteration = try state.count("labels_since_iteration")
        takeoversSinceIteration = try state.count("takeovers_since_iteration")
        // Absent from checkpoints written before the count was kept.
        expertUnsafeSinceIteration = state.has("expert_unsafe_since_iteration") ? try state.count("expert_unsafe_since_iteration") : 0
        recentDisagreement = try state.values("recent_disagreement")
        recentStarts = try state.values("recent_starts")
        // Absent from checkpoints written before the window was per iteration.
        recentStartsStale = (try? state.values("recent_starts_stale").first) == 1
        // Absent from checkpoints written before β followed the policy's error.
        if state.has("beta_ceiling") {
            let saved = try state.values("beta_ceiling")
            guard saved.count == 1, saved[0] >= 0, saved[0] <= 1 else {
                throw WireError.invalidField("checkpoint.state.beta_ceiling", reason: "not one probability")
            }
            betaCeiling = saved[0]
        }
        // A run that had no critic (a checkpoint from before it, or one resumed with it newly
        // on) starts the critic afresh.
        if let fallRisk, state.has("\(FallRiskNetwork.prefix).positives") { try fallRisk.restore(from: tensors) }
    }

    public func summaryFields() -> [String: any Sendable] { labels.summaryFields() }

    public var asksExpert: Bool { settings.imaginedLabels > 0 }

    public func statesToLabel() -> [Float] {
        guard settings.imaginedLabels > 0, iteration > 0, !recentStarts.isEmpty else { return [] }
        let starts = Array(recentStarts.suffix(256 * spec.observationDim))
        recentStarts.removeAll(keepingCapacity: true)
        return Imagination.statesWorthLabels(
            from: starts, ensemble: worldModel.ensemble, policy: policy, horizon: settings.imaginationHorizon, confidentBelow: threshold,
            labelled: labels.dataset, count: settings.imaginedLabels, random: &random)
    }

    public func ingestLabels(observations: [Float], labels newLabels: [Float]) {
        labels.addLabels(observations: observations, labels: newLabels)
        imaginedSinceIteration += observations.count / spec.observationDim
    }
}
