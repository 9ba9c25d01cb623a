import NexusAlgorithms

extension InProcessRunner.Settings {
    /// The in-process runner set as a one-worker cluster of `config` runs: worker 1's
    /// environments, segments and share of a version, the learner's evaluation, limits and
    /// policy lag.
    public init(config: RunConfig) throws {
        let builder = try config.algorithm
        self.init(envID: config.env, targetReturn: config.targetReturn)
        envs = config.worker.envs
        segmentSteps = config.worker.segmentSteps
        seed = config.seed
        stopAtTarget = config.stopAtTarget
        iterationLimit = builder.iterationLimit(config)
        maxEnvSteps = config.totalEnvSteps > 0 ? Int(config.totalEnvSteps) : Int.max
        evalEpisodes = config.learner.evalEpisodes
        evalSeed = config.learner.evalSeed
        evalEvery = config.learner.evalEvery
        stepsPerVersion = config.workerStepsPerVersion
        stepsPerGatedVersion = config.workerStepsPerGatedVersion
        versionWaitSeconds = config.worker.versionWaitSeconds
        maxPolicyLag = builder.maxPolicyLag(config)
        arguments = try config.environmentArguments
    }
}
