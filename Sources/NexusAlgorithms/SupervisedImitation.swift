import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire

/// Behaviour cloning and DAgger: one supervised learner on a dataset of expert labels. They
/// differ only in where the labels come from. BC trains on a fixed set of demonstrations;
/// DAgger (Ross et al., 2011) aggregates the expert's labels of the states its own mixture
/// policy visits (the expert acts with probability β_i, the learner otherwise; the expert's
/// label is always recorded) and retrains on everything each iteration. DAgger may start from
/// demonstrations too (the first iteration is then behaviour cloning on them); every label is
/// kept whatever policy visited its state (see `LabelledDataset` for the bound).
public final class SupervisedImitation: ImitationAlgorithm {
    public enum Mode: Sendable, Equatable {
        case behaviourCloning
        case dagger
    }

    public let mode: Mode
    public let settings: ImitationSettings
    public let policy: PolicyNetwork
    public private(set) var dataset: LabelledDataset
    public private(set) var iteration = 0
    private let fitter: PolicyFitter
    private var random: RandomSource
    private var labelledSinceIteration = 0
    private var normalisationFixed = false

    public var name: String { mode == .dagger ? "dagger" : "bc" }
    public var usesWorkers: Bool { mode == .dagger }

    /// A fresh learner for environment `spec`. BC needs `demonstrations` (expert-labelled
    /// episodes); DAgger may start from them or from nothing.
    public init(mode: Mode, spec: EnvironmentSpec, settings: ImitationSettings, demonstrations: [TrajectorySegment] = []) {
        self.mode = mode
        self.settings = settings
        random = RandomSource(seed: settings.seed)
        var initRandom = random.split()
        policy = PolicyNetwork(spec: spec, hiddenSizes: settings.policy.hiddenSizes, activation: settings.policy.activation, random: &initRandom)
        fitter = PolicyFitter(policy: policy, learningRate: settings.policy.learningRate, batchSize: settings.policy.batchSize, averageDecay: settings.policy.weightAverage)
        dataset = LabelledDataset(observationDim: spec.observationDim, labelDim: spec.actionSpace.dimension, capacity: settings.training.datasetCapacity, seed: settings.seed)
        for episode in demonstrations { labelledSinceIteration += dataset.append(labelledStepsOf: episode) }
    }

    public var rolloutPlan: RolloutPlan {
        switch mode {
        case .behaviourCloning: return .policyOnly
        case .dagger:
            // Before the first iteration the learner's policy is untrained: the expert drives
            // (every copy, or the first few whole episodes deep).
            if iteration == 0, settings.dagger.firstExpertCopies > 0 { return .expertDrivesCopies(settings.dagger.firstExpertCopies) }
            let beta = iteration == 0 ? 1 : settings.dagger.beta(iteration: iteration)
            return RolloutPlan(expertActionProbability: Float(min(1, max(0, beta))), queryExpert: true)
        }
    }

    public func ingest(_ segment: TrajectorySegment) -> Int {
        let added = dataset.append(labelledStepsOf: segment)
        labelledSinceIteration += added
        return added
    }

    /// Labels for states no segment carried (imagined ones); they count toward the next
    /// iteration like any other.
    public func addLabels(observations: [Float], labels: [Float]) {
        let (dim, labelDim) = (dataset.observationDim, dataset.labelDim)
        let rows = observations.count / dim
        guard rows * dim == observations.count, labels.count == rows * labelDim else { return }
        for row in 0..<rows {
            dataset.append(observation: observations[(row * dim)..<((row + 1) * dim)], label: labels[(row * labelDim)..<((row + 1) * labelDim)])
        }
        labelledSinceIteration += rows
    }

    public var readyToTrain: Bool {
        switch mode {
        case .behaviourCloning: return dataset.count > 0
        case .dagger: return labelledSinceIteration >= settings.training.samplesPerIteration
        }
    }

    public func trainIteration() -> [Metric] {
        if !normalisationFixed {
            // Fixed once, from the first data (the expert's states): moving statistics would
            // shift the function the network has already learned.
            let (shift, scale) = dataset.normalisation()
            policy.setInputNormalisation(shift: shift, scale: scale)
            normalisationFixed = true
        }
        let loss = fitter.fit(dataset, steps: settings.training.gradientStepsPerIteration, random: &random)
        labelledSinceIteration = 0
        iteration += 1
        let agreementName = policy.head == .categorical ? "train_accuracy" : "train_action_mse"
        return [
            Metric(name: "policy_loss", value: Double(loss)),
            Metric(name: agreementName, value: Double(fitter.agreement(with: dataset))),
            Metric(name: "dataset_size", value: Double(dataset.count)),
            Metric(name: "labels_discarded", value: Double(dataset.discarded)),
            Metric(name: "beta", value: Double(rolloutPlan.expertActionProbability)),
            Metric(name: "nonfinite_updates", value: Double(fitter.nonfiniteUpdates)),
        ]
    }

    /// Averaging (`policy.weight_average`): the optimiser's iterate and the average the policy holds.
    var fitterIterate: [Float]? { fitter.trainingWeights }
    var fitterAverage: [Float]? { fitter.average?.values }

    public func models() -> [Model] { [policy.model(), rolloutPlan.model()] }

    public func summaryFields() -> [String: any Sendable] {
        ["dataset_rows": dataset.count, "labels_received": dataset.added, "labels_discarded": dataset.discarded, "dataset_bound": dataset.boundDescription]
    }

    public func checkpointState() -> (tensors: [NamedTensor], random: [UInt64]) {
        var state = CheckpointState(dataset.tensors(prefix: "dataset"))
        state.add(fitter.optimiser, prefix: "adam")
        fitter.addAveraging(to: &state, prefix: "weight_average")
        state.add("labelled_since_iteration", [Float(labelledSinceIteration)])
        return (state.tensors, random.stateWords)
    }

    public func restore(models: [Model], tensors: [NamedTensor], random: [UInt64], iteration: Int) throws {
        try CheckpointState.restorePolicy(policy, from: models)
        let state = CheckpointState(tensors)
        try state.restore(fitter.optimiser, prefix: "adam")
        try fitter.restoreAveraging(from: state, prefix: "weight_average")
        try dataset.restore(from: tensors, prefix: "dataset")
        labelledSinceIteration = try state.count("labelled_since_iteration")
        if let restored = RandomSource(state: random) { self.random = restored }
        self.iteration = iteration
        normalisationFixed = iteration > 0
    }
}
