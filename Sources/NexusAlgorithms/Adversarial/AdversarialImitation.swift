import Foundation
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire

/// GAIL and AIRL on the cluster: the workers sample from the policy as for PPO; the learner
/// trains the discriminator on the expert's transitions (a demonstration file) against the
/// transitions of the segments it has collected, replaces the segments' rewards with the
/// learned reward, and runs PPO's update on them. Workers stay algorithm-free: they only see
/// a sampling policy.
///
/// Episode ends follow absorbing states (`TransitionSet`): a terminated step earns its own
/// learned reward plus γ/(1 − γ) times the absorbing state's reward (the value of staying there
/// forever), then PPO treats it as terminal. That reward is the optimal discriminator's, from
/// how often the expert and the policy end (`AbsorbingFrequencies`), not an implicit 0 that
/// would bias the policy towards long (positive rewards) or short (negative rewards) episodes. Truncated steps bootstrap from
/// their final observation as in PPO. The reference library instead needs fixed-horizon
/// variants of the environments.
public final class AdversarialImitation: ImitationAlgorithm {
    public let generator: ProximalPolicyOptimisation
    public let discriminator: AdversarialDiscriminator
    public let expert: TransitionSet
    private var buffer: [TrajectorySegment] = []
    private var bufferedSteps = 0
    private var random: RandomSource
    /// How often episodes end on each side: the absorbing state's reward.
    public private(set) var absorbing: AbsorbingFrequencies
    /// The behaviour-cloning loss the warm start ended with (nil without one, or before it ran).
    public private(set) var warmStartLoss: Float?
    /// The warm start runs when the policy is first needed, not at construction: the launcher's
    /// preflight builds the algorithm only to check it, and a learner resuming from a checkpoint
    /// replaces the policy (10,000 cloning steps of a 256 × 256 network are seconds).
    private var pendingWarmStart: (dataset: LabelledDataset, steps: Int, learningRate: Float, random: RandomSource)?

    public var name: String { discriminator.method.rawValue }
    public var usesWorkers: Bool { true }
    public var iteration: Int { generator.iteration }
    public var policy: PolicyNetwork {
        warmStartIfPending()
        return generator.policy
    }
    public var rolloutPlan: RolloutPlan { generator.rolloutPlan }

    /// `generator` learns on the discriminator's reward; `seed` seeds the discriminator.
    public init(
        spec: EnvironmentSpec, method: AdversarialSettings.Method, generator: ProximalPolicyOptimisation, settings adversarial: AdversarialSettings,
        seed: UInt64, demonstrations: [TrajectorySegment]
    ) {
        self.generator = generator
        var expert = TransitionSet(observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension)
        for episode in demonstrations { expert.append(episode) }
        self.expert = expert
        absorbing = AbsorbingFrequencies(expertAbsorbing: expert.isAbsorbing.filter { $0 }.count, expertTransitions: expert.count)
        random = RandomSource(seed: seed &+ 0x9E37_79B9)
        var initRandom = random.split()
        if adversarial.warmStartSteps > 0 || adversarial.demonstrationWeight > 0 {
            var labelled = LabelledDataset(observationDim: spec.observationDim, labelDim: spec.actionSpace.dimension, capacity: max(1, expert.count))
            for episode in demonstrations { _ = labelled.append(labelledStepsOf: episode) }
            if adversarial.warmStartSteps > 0 {
                pendingWarmStart = (labelled, adversarial.warmStartSteps, adversarial.warmStartLearningRate, random.split())
            }
            if adversarial.demonstrationWeight > 0 { generator.demonstrationTerm = (labelled, adversarial.demonstrationWeight) }
        }
        discriminator = AdversarialDiscriminator(
            observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension, discreteActions: spec.actionSpace.discreteCount,
            gamma: generator.settings.gamma, method: method, settings: adversarial, normalisation: Self.normalisation(of: expert), random: &initRandom)
    }

    /// Mean and 1/std of the expert's real states (std floored at 0.01): fixed, so the
    /// discriminator's input does not drift under it.
    static func normalisation(of transitions: TransitionSet) -> (shift: [Float], scale: [Float]) {
        let (dim, width) = (transitions.observationDim, transitions.observationDim + 1)
        var statistics = RunningStatistics(columns: dim, count: 0)
        var rows: [Float] = []
        for row in 0..<transitions.count where !transitions.isAbsorbing[row] { rows += transitions.states[(row * width)..<(row * width + dim)] }
        guard !rows.isEmpty else { return ([Float](repeating: 0, count: dim), [Float](repeating: 1, count: dim)) }
        statistics.update(rows, rows: rows.count / dim)
        return (statistics.mean.map { Float($0) }, statistics.variance.map { Float(1 / max(1e-2, $0.squareRoot())) })
    }

    private func warmStartIfPending(progress: (Int) -> Void = { _ in }) {
        guard var pending = pendingWarmStart else { return }
        pendingWarmStart = nil
        warmStartLoss = generator.clone(pending.dataset, steps: pending.steps, learningRate: pending.learningRate, random: &pending.random, progress: progress)
    }

    /// The warm start, reported every 1,000 steps (the launcher waits for a learner as long as
    /// it logs; a 256 × 256 network's 10,000 steps take seconds, more under a sanitizer).
    public func prepare(progress: (String) -> Void) {
        guard let steps = pendingWarmStart?.steps else { return }
        let clock = ContinuousClock(), started = clock.now
        warmStartIfPending { done in
            progress(String(format: "warm start: behaviour cloning on the demonstrations, %d of %d steps (%.1f s)", done, steps, (clock.now - started) / .seconds(1)))
        }
        progress(String(format: "warm start done: cloning loss %.4g", warmStartLoss ?? .nan))
    }

    public func ingest(_ segment: TrajectorySegment) -> Int {
        guard segment.behaviourLogProbs.count == segment.stepCount else { return generator.ingest(segment) }
        buffer.append(segment)
        bufferedSteps += segment.stepCount
        return 0
    }

    public var readyToTrain: Bool { bufferedSteps >= generator.samplesPerIteration }

    public func trainIteration() -> [Metric] {
        warmStartIfPending()
        let clock = ContinuousClock(), started = clock.now
        var collected = TransitionSet(observationDim: expert.observationDim, actionDim: expert.actionDim)
        for segment in buffer { collected.append(segment) }
        let settings = discriminator.settings
        var totals = AdversarialDiscriminator.Step(loss: 0, expertAccuracy: 0, policyAccuracy: 0, penalty: 0)
        for _ in 0..<settings.updatesPerIteration {
            let size = min(settings.batchSize, expert.count, collected.count)
            let expertBatch = expert.select((0..<size).map { _ in Int(random.next() % UInt64(expert.count)) })
            let policyBatch = collected.select((0..<size).map { _ in Int(random.next() % UInt64(collected.count)) })
            let step = discriminator.trainStep(
                expert: expertBatch, expertLogPolicy: logPolicy(expertBatch), policy: policyBatch, policyLogPolicy: logPolicy(policyBatch), random: &random)
            totals.loss += step.loss / Float(settings.updatesPerIteration)
            totals.expertAccuracy += step.expertAccuracy / Float(settings.updatesPerIteration)
            totals.policyAccuracy += step.policyAccuracy / Float(settings.updatesPerIteration)
        }
        // The learned rewards of every collected transition in one pass (the absorbing rows
        // among them are dropped), handed back to the segments in order.
        let allRewards = discriminator.rewards(collected, logPolicy: logPolicy(collected))
        var rewards = (0..<collected.count).filter { !collected.isAbsorbing[$0] }.map { allRewards[$0] }[...]
        absorbing.record(absorbing: collected.isAbsorbing.filter { $0 }.count, transitions: collected.count)
        // nil: no episode has ended on either side, so no step adds the absorbing value.
        let absorbingReward = absorbing.reward(discriminator.method) ?? 0
        var learnedTotal: Float = 0
        for var segment in buffer {
            var own = rewards.prefix(segment.stepCount)
            rewards = rewards.dropFirst(segment.stepCount)
            TransitionSet.addAbsorbingValue(to: &own, terminated: segment.terminated, absorbingReward: absorbingReward, gamma: generator.settings.gamma)
            learnedTotal += own.reduce(0, +)
            segment.rewards = Array(own)
            _ = generator.ingest(segment)
        }
        let steps = bufferedSteps
        buffer.removeAll(keepingCapacity: true)
        bufferedSteps = 0
        let discriminatorSeconds = (clock.now - started) / .seconds(1)
        return generator.trainIteration() + [
            Metric(name: "discriminator_seconds", value: discriminatorSeconds),
            Metric(name: "discriminator_loss", value: Double(totals.loss)),
            Metric(name: "discriminator_expert_accuracy", value: Double(totals.expertAccuracy)),
            Metric(name: "discriminator_policy_accuracy", value: Double(totals.policyAccuracy)),
            Metric(name: "learned_reward_mean", value: Double(learnedTotal) / Double(max(1, steps))),
            Metric(name: "absorbing_reward", value: Double(absorbingReward)),
        ]
    }

    /// The learned reward of staying in the absorbing state one step.
    func absorbingReward() -> Float {
        discriminator.rewards(.absorbingOnly(observationDim: expert.observationDim, actionDim: expert.actionDim), logPolicy: [0])[0]
    }

    /// log π(a|s) under the current policy for each real row (AIRL's D needs it), 0 for the
    /// absorbing rows; GAIL does not use it.
    func logPolicy(_ batch: TransitionSet) -> [Float] {
        var result = [Float](repeating: 0, count: batch.count)
        guard discriminator.method == .airl else { return result }
        let (dim, width) = (batch.observationDim, batch.observationDim + 1)
        let real = (0..<batch.count).filter { !batch.isAbsorbing[$0] }
        guard !real.isEmpty else { return result }
        var raw: [Float] = [], actions: [Float] = []
        for row in real {
            raw += batch.states[(row * width)..<(row * width + dim)]
            actions += batch.actions[(row * batch.actionDim)..<((row + 1) * batch.actionDim)]
        }
        var normalised = [Float](repeating: 0, count: raw.count)
        raw.withUnsafeBufferPointer { r in normalised.withUnsafeMutableBufferPointer { policy.normalise(r, into: $0) } }
        var logProbabilities = [Float](repeating: 0, count: real.count), entropies = logProbabilities
        normalised.withUnsafeBufferPointer { o in
            actions.withUnsafeBufferPointer { a in
                logProbabilities.withUnsafeMutableBufferPointer { l in
                    entropies.withUnsafeMutableBufferPointer { policy.logProbabilityAndEntropy(normalised: o, rows: real.count, chosen: a, logProbabilities: l, entropies: $0) }
                }
            }
        }
        for (index, row) in real.enumerated() { result[row] = logProbabilities[index] }
        return result
    }

    /// The policy, the plan, and the learned reward as a model (`.discriminator` for GAIL,
    /// `.reward` for AIRL), with its input normalisation.
    public func models() -> [Model] {
        warmStartIfPending()
        var parameters = discriminator.g.parameters.namedTensors() + (discriminator.h?.parameters.namedTensors() ?? [])
        parameters.append(("reward.input_shift", [discriminator.shift.count], discriminator.shift))
        parameters.append(("reward.input_scale", [discriminator.scale.count], discriminator.scale))
        let (settings, method) = (discriminator.settings, discriminator.method)
        let architecture = "\(method.rawValue) mlp \(settings.hiddenSizes.map(String.init).joined(separator: "-")) \(settings.activation.rawValue)"
            + (settings.stateOnlyReward && method == .airl ? " state-only" : "")
        let reward = Model(
            kind: method == .gail ? .discriminator : .reward, name: "learned_reward", architecture: architecture,
            parameters: parameters.map(NamedTensor.init(parameter:)))
        return generator.models() + [reward]
    }

    public func checkpointState() -> (tensors: [NamedTensor], random: [UInt64]) {
        warmStartIfPending()
        let (generatorTensors, generatorRandom) = generator.checkpointState()
        var state = CheckpointState(generatorTensors)
        state.add(discriminator.optimiserG, prefix: "adam.reward")
        state.add("absorbing_counts", absorbing.state)
        if let optimiserH = discriminator.optimiserH { state.add(optimiserH, prefix: "adam.shaping") }
        return (state.tensors, generatorRandom + random.stateWords)
    }

    public func restore(models: [Model], tensors: [NamedTensor], random: [UInt64], iteration: Int) throws {
        guard random.count == 8 else { throw WireError.invalidField("checkpoint.rng_state", reason: "\(random.count) words, expected 8") }
        pendingWarmStart = nil
        try generator.restore(models: models, tensors: tensors, random: Array(random[0..<4]), iteration: iteration)
        guard let reward = models.first(where: { $0.kind == .discriminator || $0.kind == .reward }) else {
            throw WireError.missingField("checkpoint.weights.learned_reward")
        }
        try discriminator.loadNetworks(from: reward)
        let state = CheckpointState(tensors)
        try state.restore(discriminator.optimiserG, prefix: "adam.reward")
        if let optimiserH = discriminator.optimiserH { try state.restore(optimiserH, prefix: "adam.shaping") }
        // Checkpoints from before the counts were kept (stop 34) start them afresh.
        if state.has("absorbing_counts") { try absorbing.restore(try state.values("absorbing_counts")) }
        if let restored = RandomSource(state: Array(random[4...])) { self.random = restored }
    }
}
