import Foundation
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire

/// PPO with the environment's reward (Schulman et al., 2017, "Proximal Policy Optimization
/// Algorithms"), as Stable-Baselines3 implements it: a policy and a separate value network
/// (one loss, one gradient-norm clip over both, Adam each); GAE(λ) per segment that bootstraps
/// truncated episodes from their final observations; advantages normalised per minibatch;
/// minibatch epochs, optionally stopped early on the approximate KL.
///
/// In the cluster, workers sample from the policy of some version and record the
/// log-probability of each action; the learner trains on those recorded log-probabilities as
/// π_old, so a segment one version old is weighed by the importance ratio of the policy that
/// really acted (how old a segment may be is the learner's `max_policy_lag`).
///
/// Observation normalisation (optional) keeps running statistics; they change only after an
/// update and travel inside the policy (`policy.input_shift/scale`), so workers, the update
/// that follows and evaluation all see the same normalisation. Reward scaling (optional)
/// divides by the running spread of each stream's discounted return and stays in the learner.
/// GAIL and AIRL reuse this class with a learned reward in place of the environment's.
public final class ProximalPolicyOptimisation: ImitationAlgorithm {
    public let settings: PPOSettings
    /// The network, its learning rate and the minibatch (the `policy` section).
    public let network: PolicySettings
    /// Env steps per update.
    public let samplesPerIteration: Int
    public let policy: PolicyNetwork
    public let value: MLP
    public private(set) var iteration = 0
    /// Env steps trained on so far (drives the linear schedules).
    public private(set) var stepsTrained = 0
    public var name: String { "ppo" }
    public var usesWorkers: Bool { true }
    public var rolloutPlan: RolloutPlan { RolloutPlan(acting: .sample) }

    private let spec: EnvironmentSpec
    /// Gaussian policies: log-stds stay within [−20, log(half the widest action range)].
    private let logStdRange: ClosedRange<Float>
    private let policyOptimiser: Adam
    private let valueOptimiser: Adam
    private var random: RandomSource
    private var observationStatistics: RunningStatistics
    private var rewardScaler: RewardScaler
    private var buffer: [TrajectorySegment] = []
    private var bufferedSteps = 0
    /// Open during an update when `settings.updatesInParallel`: the policy's and the value
    /// network's halves of each minibatch step run side by side.
    private let updateThreads = PairedThreads()
    /// A learned reward to train on instead of the environment's (`ppo.reward`); evaluation
    /// still reports the environment's return.
    public var learnedReward: LearnedReward?
    /// GAIL's and AIRL's hold on the demonstrations (Rajeswaran et al., 2018, "DAPG"; Jena et
    /// al., 2020): each minibatch adds `weight` × the behaviour-cloning loss of as many
    /// demonstration rows to PPO's, so the policy keeps the expert's actions on the expert's
    /// states while the learned reward shapes it everywhere else. nil: pure PPO.
    public var demonstrationTerm: (dataset: LabelledDataset, weight: Float)? {
        didSet { demonstrationFitter = demonstrationTerm.map { _ in PolicyFitter(policy: policy, learningRate: network.learningRate, batchSize: network.batchSize) } }
    }
    private var demonstrationFitter: PolicyFitter?
    /// Minibatch updates skipped because the loss or a gradient was not finite (the parameters
    /// stay as they were): one extreme observation must not turn every later weight into NaN.
    public private(set) var nonfiniteUpdates = 0
    /// Segments that arrived without behaviour log-probabilities (a deterministic plan's).
    public private(set) var segmentsWithoutLogProbabilities = 0

    public init(spec: EnvironmentSpec, policy network: PolicySettings, samplesPerIteration: Int, settings: PPOSettings, seed: UInt64) {
        self.spec = spec
        self.settings = settings
        self.network = network
        self.samplesPerIteration = samplesPerIteration
        random = RandomSource(seed: seed)
        var initRandom = random.split()
        policy = PolicyNetwork(
            spec: spec, hiddenSizes: network.hiddenSizes, activation: network.activation, logStdInit: settings.logStdInit,
            orthogonal: settings.orthogonalInit, random: &initRandom)
        value = MLP(
            sizes: [spec.observationDim] + network.hiddenSizes + [1], activation: network.activation, name: "value",
            hiddenInitialisation: settings.orthogonalInit ? nil : .uniform,
            outputInitialisation: settings.orthogonalInit ? .orthogonal(gain: 1) : .uniform, random: &initRandom)
        policyOptimiser = Adam(parameterCount: policy.mlp.parameters.count, learningRate: network.learningRate, epsilon: 1e-5)
        valueOptimiser = Adam(parameterCount: value.parameters.count, learningRate: network.learningRate, epsilon: 1e-5)
        observationStatistics = RunningStatistics(columns: spec.observationDim)
        if case .box(let low, let high) = spec.actionSpace, let widest = zip(low, high).map({ ($1 - $0) / 2 }).max(), widest.isFinite, widest > 0 {
            logStdRange = -20...max(-20, log(widest))
        } else {
            logStdRange = -20...20
        }
        rewardScaler = RewardScaler(gamma: Double(settings.gamma))
    }

    /// Behaviour cloning before the first rollout (GAIL's and AIRL's warm start, as in OpenAI
    /// Baselines' GAIL `--pretrained`): the observation statistics start from the
    /// demonstrations' states (when normalising), then the policy's mean is fitted to the
    /// expert's actions by `PolicyFitter`. σ, the value network and PPO's optimisers are left
    /// as they were. Returns the fit's mean loss over its last steps.
    @discardableResult
    public func clone(_ dataset: LabelledDataset, steps: Int, learningRate: Float, random: inout RandomSource, progress: (Int) -> Void = { _ in }) -> Float {
        guard dataset.count > 0, steps > 0 else { return .nan }
        if settings.normalizeObservations {
            var statistics = observationStatistics
            statistics.update(dataset.observations, rows: dataset.count)
            let (shift, scale) = statistics.normalisation()
            if shift.allSatisfy(\.isFinite), scale.allSatisfy({ $0.isFinite && $0 > 0 }) {
                observationStatistics = statistics
                policy.setInputNormalisation(shift: shift, scale: scale)
            }
        }
        let fitter = PolicyFitter(policy: policy, learningRate: learningRate, batchSize: network.batchSize)
        // In chunks, each reported (one fit's draws and Adam steps continue across calls).
        let tail = min(steps, 100)
        var done = 0
        while done < steps - tail {
            let chunk = min(1_000, steps - tail - done)
            fitter.fit(dataset, steps: chunk, random: &random)
            done += chunk
            progress(done)
        }
        let loss = fitter.fit(dataset, steps: tail, random: &random)
        progress(steps)
        return loss
    }

    public func ingest(_ segment: TrajectorySegment) -> Int {
        guard segment.behaviourLogProbs.count == segment.stepCount else {
            segmentsWithoutLogProbabilities += 1
            return 0
        }
        var segment = segment
        if let learnedReward { segment.rewards = learnedReward.rewards(for: segment) }
        if settings.normalizeRewards {
            let ended = zip(segment.terminated, segment.truncated).map { $0 || $1 }
            segment.rewards = rewardScaler.scale(segment.rewards, ended: ended, stream: UInt64(segment.workerID) << 32 | UInt64(segment.envIndex))
        }
        buffer.append(segment)
        bufferedSteps += segment.stepCount
        return 0
    }

    public var readyToTrain: Bool { bufferedSteps >= samplesPerIteration }

    public func trainIteration() -> [Metric] {
        let batch = assembleBatch()
        let rows = batch.advantages.count
        let learningRate = network.learningRate * settings.factor(settings.learningRateSchedule, steps: stepsTrained)
        let clipRange = settings.clipRange * settings.factor(settings.clipRangeSchedule, steps: stepsTrained)
        policyOptimiser.learningRate = learningRate
        valueOptimiser.learningRate = learningRate
        var totals = PPOLossTerms(), updates = 0, epochsRun = 0, demonstrationLoss: Float = 0
        var order = Array(0..<rows)
        if settings.updatesInParallel { updateThreads.open() }
        defer { updateThreads.close() }
        epochs: for _ in 0..<settings.epochs {
            epochsRun += 1
            order.shuffle(using: &random)
            for start in stride(from: 0, to: rows, by: network.batchSize) {
                let picked = order[start..<min(rows, start + network.batchSize)]
                let minibatch = batch.select(picked, observationDim: spec.observationDim, actionDim: policy.actionDim, normaliseAdvantages: settings.normalizeAdvantages)
                policy.mlp.parameters.zeroGradients()
                value.parameters.zeroGradients()
                let terms = PPOLoss.accumulateGradients(
                    minibatch, policy: policy, value: value, clipRange: clipRange,
                    entropyCoefficient: settings.entropyCoefficient, valueCoefficient: settings.valueCoefficient, threads: updateThreads)
                // As SB3: the estimate before this step decides whether to take it.
                if settings.targetKl > 0, terms.approximateKL > 1.5 * settings.targetKl { break epochs }
                var cloningLoss: Float = 0
                if let (dataset, weight) = demonstrationTerm, let fitter = demonstrationFitter {
                    cloningLoss = fitter.accumulateGradient(dataset, weight: weight, random: &random)
                }
                // One norm over both networks (as one loss), each half summed on its own thread,
                // then each network scaled and stepped on its own.
                nonisolated(unsafe) let (valueOptimiser, value) = (valueOptimiser, value)
                nonisolated(unsafe) var valueSquares = 0.0
                var policySquares = 0.0
                updateThreads.run({ policySquares = GradientClipping.squaredNorm(policy.mlp.parameters) }) {
                    valueSquares = GradientClipping.squaredNorm(value.parameters)
                }
                let norm = Float((policySquares + valueSquares).squareRoot())
                guard norm.isFinite, terms.total(entropyCoefficient: settings.entropyCoefficient, valueCoefficient: settings.valueCoefficient).isFinite else {
                    nonfiniteUpdates += 1
                    continue
                }
                let factor = GradientClipping.scale(forNorm: norm, maxNorm: settings.maxGradNorm)
                updateThreads.run({ [self] in
                    if factor < 1 { GradientClipping.scale(policy.mlp.parameters, by: factor) }
                    policyOptimiser.update(policy.mlp.parameters)
                    policy.clampLogStd(to: logStdRange)
                }) {
                    if factor < 1 { GradientClipping.scale(value.parameters, by: factor) }
                    valueOptimiser.update(value.parameters)
                }
                totals.policyLoss += terms.policyLoss
                totals.valueLoss += terms.valueLoss
                totals.entropy += terms.entropy
                totals.approximateKL += terms.approximateKL
                totals.clipFraction += terms.clipFraction
                demonstrationLoss += cloningLoss
                updates += 1
            }
        }
        if settings.normalizeObservations {
            // After the update, so that the data it trained on was normalised as the workers
            // normalised it; the next version carries the new statistics.
            var updated = observationStatistics
            updated.update(batch.rawObservations, rows: rows)
            let (shift, scale) = updated.normalisation()
            // Statistics that overflowed (absurd observations) are not adopted.
            if shift.allSatisfy(\.isFinite), scale.allSatisfy({ $0.isFinite && $0 > 0 }) {
                observationStatistics = updated
                policy.setInputNormalisation(shift: shift, scale: scale)
            }
        }
        stepsTrained += rows
        iteration += 1
        let count = Double(max(1, updates))
        var metrics = [
            Metric(name: "policy_loss", value: Double(totals.policyLoss) / count),
            Metric(name: "value_loss", value: Double(totals.valueLoss) / count),
            Metric(name: "entropy", value: Double(totals.entropy) / count),
            Metric(name: "approx_kl", value: Double(totals.approximateKL) / count),
            Metric(name: "clip_fraction", value: Double(totals.clipFraction) / count),
            Metric(name: "explained_variance", value: Double(batch.explainedVariance)),
            Metric(name: "learning_rate", value: Double(learningRate)),
            Metric(name: "epochs", value: Double(epochsRun)),
            Metric(name: "samples", value: Double(rows)),
            Metric(name: "nonfinite_updates", value: Double(nonfiniteUpdates)),
        ]
        if demonstrationTerm != nil { metrics.append(Metric(name: "demonstration_loss", value: Double(demonstrationLoss) / count)) }
        if policy.head == .gaussian { metrics.append(Metric(name: "log_std_mean", value: Double(policy.logStd.reduce(0, +)) / Double(policy.outputSize))) }
        return metrics
    }

    /// Everything buffered as one batch: normalised observations, actions, behaviour
    /// log-probabilities, GAE advantages and returns (values from the current value network).
    private func assembleBatch() -> PPOBatch {
        defer {
            buffer.removeAll(keepingCapacity: true)
            bufferedSteps = 0
        }
        let dim = spec.observationDim
        // Values of every segment's s_0 … s_T and final observations in one forward pass.
        var inputs: [Float] = []
        for segment in buffer { inputs += segment.observations.data + segment.finalObservations.data }
        var normalised = [Float](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { raw in normalised.withUnsafeMutableBufferPointer { policy.normalise(raw, into: $0) } }
        value.forward(normalised, batch: inputs.count / dim)
        let allValues = value.output
        var batch = PPOBatch()
        var row = 0
        for segment in buffer {
            let steps = segment.stepCount
            var finalValues = [Float](repeating: 0, count: steps)
            for (index, step) in segment.finalObservationSteps.enumerated() { finalValues[Int(step)] = allValues[row + steps + 1 + index] }
            let values = Array(allValues[row...(row + steps)])
            let (advantages, returns) = GeneralisedAdvantageEstimation.compute(
                rewards: segment.rewards, values: values, terminated: segment.terminated, truncated: segment.truncated,
                finalValues: finalValues, gamma: settings.gamma, lambda: settings.gaeLambda)
            batch.rawObservations += segment.observations.data[0..<(steps * dim)]
            batch.observations += normalised[(row * dim)..<((row + steps) * dim)]
            batch.actions += segment.actions.data
            batch.behaviourLogProbabilities += segment.behaviourLogProbs
            batch.advantages += advantages
            batch.returns += returns
            batch.values += values[0..<steps]
            row += steps + 1 + segment.finalObservationSteps.count
        }
        return batch
    }

    public func models() -> [Model] { [policy.model(), rolloutPlan.model()] }

    public func checkpointState() -> (tensors: [NamedTensor], random: [UInt64]) {
        var state = CheckpointState(value.parameters.namedTensors().map(NamedTensor.init(parameter:)))
        state.add(policyOptimiser, prefix: "adam.policy")
        state.add(valueOptimiser, prefix: "adam.value")
        state.add("observation_statistics", observationStatistics.state)
        state.add("reward_statistics", rewardScaler.statistics.state)
        state.add("steps_trained", [Float(stepsTrained)])
        return (state.tensors, random.stateWords)
    }

    public func restore(models: [Model], tensors: [NamedTensor], random: [UInt64], iteration: Int) throws {
        try CheckpointState.restorePolicy(policy, from: models)
        let state = CheckpointState(tensors)
        try value.parameters.load(tensors.filter { $0.name.hasPrefix("value.") }.map { ($0.name, $0.tensor.shape, $0.tensor.data) })
        try state.restore(policyOptimiser, prefix: "adam.policy")
        try state.restore(valueOptimiser, prefix: "adam.value")
        guard let observations = RunningStatistics(state: try state.values("observation_statistics"), columns: spec.observationDim) else {
            throw WireError.invalidField("checkpoint.state.observation_statistics", reason: "not a valid running mean and variance")
        }
        guard let rewards = RunningStatistics(state: try state.values("reward_statistics"), columns: 1) else {
            throw WireError.invalidField("checkpoint.state.reward_statistics", reason: "not a valid running mean and variance")
        }
        observationStatistics = observations
        rewardScaler.restore(rewards)
        stepsTrained = try state.count("steps_trained")
        if let restored = RandomSource(state: random) { self.random = restored }
        self.iteration = iteration
    }
}

/// One update's data, flat.
struct PPOBatch {
    var rawObservations: [Float] = []
    var observations: [Float] = []
    var actions: [Float] = []
    var behaviourLogProbabilities: [Float] = []
    var advantages: [Float] = []
    var returns: [Float] = []
    var values: [Float] = []

    /// The rows `picked`, advantages normalised over them (as SB3 does per minibatch).
    func select(_ picked: ArraySlice<Int>, observationDim: Int, actionDim: Int, normaliseAdvantages: Bool) -> PPOMinibatch {
        var minibatch = PPOMinibatch(observations: [], actions: [], behaviourLogProbabilities: [], advantages: [], returns: [])
        minibatch.observations.reserveCapacity(picked.count * observationDim)
        minibatch.actions.reserveCapacity(picked.count * actionDim)
        for row in picked {
            minibatch.observations += observations[(row * observationDim)..<((row + 1) * observationDim)]
            minibatch.actions += actions[(row * actionDim)..<((row + 1) * actionDim)]
            minibatch.behaviourLogProbabilities.append(behaviourLogProbabilities[row])
            minibatch.advantages.append(advantages[row])
            minibatch.returns.append(returns[row])
        }
        if normaliseAdvantages, picked.count > 1 {
            let mean = minibatch.advantages.reduce(0, +) / Float(picked.count)
            let variance = minibatch.advantages.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(picked.count - 1)
            let scale = 1 / (variance.squareRoot() + 1e-8)
            for index in minibatch.advantages.indices { minibatch.advantages[index] = (minibatch.advantages[index] - mean) * scale }
        }
        return minibatch
    }

    /// 1 − Var[R − V] / Var[R]: how much of the returns the value network explains.
    var explainedVariance: Float {
        func variance(_ values: [Float]) -> Float {
            let mean = values.reduce(0, +) / Float(max(1, values.count))
            return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(max(1, values.count))
        }
        let spread = variance(returns)
        return spread == 0 ? .nan : 1 - variance(zip(returns, values).map { $0 - $1 }) / spread
    }
}
