import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusWire

/// Behaviour cloning and DAgger: one supervised learner on a dataset of expert labels. They
/// differ only in where the labels come from. BC trains on a fixed set of demonstrations;
/// DAgger (Ross et al., 2011) aggregates the expert's labels of the states its own mixture
/// policy visits (the expert acts with probability β_i, the learner otherwise; the expert's
/// label is always recorded) and retrains on everything each iteration.
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
    /// episodes); DAgger starts empty.
    public init(mode: Mode, spec: EnvironmentSpec, settings: ImitationSettings, demonstrations: [TrajectorySegment] = []) {
        self.mode = mode
        self.settings = settings
        random = RandomSource(seed: settings.seed)
        var initRandom = random.split()
        policy = PolicyNetwork(spec: spec, hiddenSizes: settings.hiddenSizes, activation: settings.activation, random: &initRandom)
        fitter = PolicyFitter(policy: policy, learningRate: settings.learningRate, batchSize: settings.batchSize)
        dataset = LabelledDataset(observationDim: spec.observationDim, labelDim: spec.actionSpace.dimension, capacity: settings.datasetCapacity)
        for episode in demonstrations { dataset.append(labelledStepsOf: episode) }
    }

    public var rolloutPlan: RolloutPlan {
        switch mode {
        case .behaviourCloning: return .policyOnly
        case .dagger:
            // Before the first iteration the learner's policy is untrained: the expert drives.
            let beta = iteration == 0 ? 1 : settings.beta.beta(iteration: iteration)
            return RolloutPlan(expertActionProbability: Float(min(1, max(0, beta))), queryExpert: true)
        }
    }

    public func ingest(_ segment: TrajectorySegment) -> Int {
        let added = dataset.append(labelledStepsOf: segment)
        labelledSinceIteration += added
        return added
    }

    public var readyToTrain: Bool {
        switch mode {
        case .behaviourCloning: return dataset.count > 0
        case .dagger: return labelledSinceIteration >= settings.samplesPerIteration
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
        let loss = fitter.fit(dataset, steps: settings.gradientStepsPerIteration, random: &random)
        labelledSinceIteration = 0
        iteration += 1
        let agreementName = policy.head == .categorical ? "train_accuracy" : "train_action_mse"
        return [
            Metric(name: "policy_loss", value: Double(loss)),
            Metric(name: agreementName, value: Double(fitter.agreement(with: dataset))),
            Metric(name: "dataset_size", value: Double(dataset.count)),
            Metric(name: "beta", value: Double(rolloutPlan.expertActionProbability)),
        ]
    }

    public func models() -> [Model] { [policy.model(), rolloutPlan.model()] }

    public func checkpointState() -> (tensors: [NamedTensor], random: [UInt64]) {
        let adam = fitter.optimiser.state
        let tensors = dataset.tensors(prefix: "dataset") + [
            NamedTensor(name: "adam.first_moment", tensor: Tensor(shape: [adam.firstMoment.count], data: adam.firstMoment)),
            NamedTensor(name: "adam.second_moment", tensor: Tensor(shape: [adam.secondMoment.count], data: adam.secondMoment)),
            NamedTensor(name: "adam.step", tensor: Tensor(shape: [1], data: [Float(adam.step)])),
            NamedTensor(name: "labelled_since_iteration", tensor: Tensor(shape: [1], data: [Float(labelledSinceIteration)])),
        ]
        return (tensors, random.stateWords)
    }

    public func restore(models: [Model], tensors: [NamedTensor], random: [UInt64], iteration: Int) throws {
        guard let model = models.first(where: { $0.kind == .policy }) else { throw WireError.missingField("checkpoint.weights.policy") }
        try policy.load(model)
        func values(_ name: String) throws -> [Float] {
            guard let tensor = tensors.first(where: { $0.name == name }) else { throw WireError.missingField("checkpoint.state.\(name)") }
            return tensor.tensor.data
        }
        try fitter.optimiser.restore(
            step: Int(try values("adam.step").first ?? 0), firstMoment: try values("adam.first_moment"), secondMoment: try values("adam.second_moment"))
        try dataset.restore(from: tensors, prefix: "dataset")
        labelledSinceIteration = Int(try values("labelled_since_iteration").first ?? 0)
        if let restored = RandomSource(state: random) { self.random = restored }
        self.iteration = iteration
        normalisationFixed = iteration > 0
    }
}
