import NexusAlgorithms
import NexusEnvironments
import NexusNN
import NexusPolicies

/// `--algo mega-dagger`: DAgger whose workers ask the expert only where a world-model
/// ensemble's gate fires, with a safety fallback (docs/algorithms/mega-dagger.md).
struct MegaDAggerBuilder: AlgorithmBuilder {
    let name = "mega-dagger"
    let summary = "DAgger asking only where a world-model ensemble says so"
    let requirements: AlgorithmRequirements = [.expert, .rolloutWorkers]
    let acceptsDemonstrations = true

    /// The expert hands over faster than in DAgger (β_i = 0.25^i): the gate's interventions and
    /// the safety fallback take over the rows the policy drives. (With DAgger's 0.95 the β rows
    /// were most of the queries: 0.9× DAgger's on Pendulum-v1; with 0.5, still most of
    /// MountainCarContinuous-v0's after the first iteration; without β, the first policies
    /// entered Pendulum's unsafe region on 3 of 5 seeds.) The first iteration is 128
    /// labels, the expert driving one copy per worker for whole episodes (docs/algorithms/mega-dagger.md).
    func applyDefaults(to config: inout RunConfig) {
        config.dagger.betaDecay = 0.25
        config.dagger.firstExpertCopies = 1
        config.training.samplesPerIteration = 128
    }

    func validate(_ config: RunConfig) throws {
        let mega = config.mega
        let require = { (condition: Bool, key: String, value: Any, rule: String) in try ConfigError.require(condition, "mega.\(key)", value, rule) }
        try require((2...WorldModelEnsemble.maxMembers).contains(mega.members), "members", mega.members, "must be from 2 to \(WorldModelEnsemble.maxMembers)")
        try require(!mega.hiddenSizes.isEmpty && mega.hiddenSizes.allSatisfy { (1...4096).contains($0) }, "hidden_sizes", mega.hiddenSizes, "must list layer widths from 1 to 4096")
        try require(mega.modelLearningRate > 0 && mega.modelLearningRate <= 1, "model_learning_rate", mega.modelLearningRate, "must be in (0, 1]")
        try require((1...65536).contains(mega.modelBatchSize), "model_batch_size", mega.modelBatchSize, "must be from 1 to 65536")
        try require((0...100_000).contains(mega.modelStepsPerIteration), "model_steps_per_iteration", mega.modelStepsPerIteration, "must be from 0 to 100000")
        try require((10...100_000_000).contains(mega.transitionCapacity), "transition_capacity", mega.transitionCapacity, "must be from 10 to 100000000")
        try require((1...10_000_000).contains(mega.stepsPerIteration), "steps_per_iteration", mega.stepsPerIteration, "must be from 1 to 10000000")
        try require(mega.threshold >= 0 && !mega.threshold.isNaN, "threshold", mega.threshold, "must be a number ≥ 0 (.inf: never query for uncertainty)")
        try require((0...1).contains(mega.queryRate), "query_rate", mega.queryRate, "must be in [0, 1] (0: the threshold is fixed)")
        try require((0...RolloutPlan.maxGateHorizon).contains(mega.horizon), "horizon", mega.horizon, "must be from 0 to \(RolloutPlan.maxGateHorizon)")
        try require((0...RolloutPlan.maxTakeoverSteps).contains(mega.takeoverSteps), "takeover_steps", mega.takeoverSteps, "must be from 0 to \(RolloutPlan.maxTakeoverSteps)")
        try require(mega.safetyMargin >= 0 && mega.safetyMargin <= 100, "safety_margin", mega.safetyMargin, "must be from 0 to 100 (multiples of the model's one-step error)")
        try require((0...4096).contains(mega.imaginedLabels), "imagined_labels", mega.imaginedLabels, "must be from 0 to 4096")
        try require((1...100).contains(mega.imaginationHorizon), "imagination_horizon", mega.imaginationHorizon, "must be from 1 to 100")
    }

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        let episodes = config.demos.isEmpty ? [] : try DemonstrationSource.load(config, spec: spec)
        return MegaDAgger(spec: spec, imitation: config.imitationSettings, settings: config.megaSettings, demonstrations: episodes)
    }
}

extension RunConfig {
    public var megaSettings: MegaDAggerSettings {
        var settings = MegaDAggerSettings()
        settings.members = mega.members
        settings.hiddenSizes = mega.hiddenSizes
        settings.modelLearningRate = Float(mega.modelLearningRate)
        settings.modelBatchSize = mega.modelBatchSize
        settings.modelStepsPerIteration = mega.modelStepsPerIteration
        settings.transitionCapacity = mega.transitionCapacity
        settings.stepsPerIteration = mega.stepsPerIteration
        settings.threshold = Float(mega.threshold)
        settings.queryRate = Float(mega.queryRate)
        settings.horizon = mega.horizon
        settings.useBetaMixture = mega.betaMixture
        settings.takeoverSteps = mega.takeoverSteps
        settings.safetyMargin = Float(mega.safetyMargin)
        settings.imaginedLabels = mega.imaginedLabels
        settings.imaginationHorizon = mega.imaginationHorizon
        settings.seed = seed
        return settings
    }
}
