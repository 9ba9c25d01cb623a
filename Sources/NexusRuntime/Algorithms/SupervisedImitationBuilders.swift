import NexusAlgorithms
import NexusEnvironments
import NexusWire

/// `--algo bc`: behaviour cloning from a demonstration file, offline.
struct BehaviourCloningBuilder: AlgorithmBuilder {
    let name = "bc"
    let summary = "behaviour cloning on a demonstration file (--demos); offline"
    let requirements: AlgorithmRequirements = [.demonstrations]
    let sections = ["bc"]

    func validate(_ config: RunConfig) throws { try DemonstrationSource.require(config, algorithm: name) }

    func iterationLimit(_ config: RunConfig) -> Int { config.bc.iterations }

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        let episodes = try DemonstrationSource.load(config, spec: spec)
        // Behaviour cloning learns from the expert's labels: without any it would idle to max_seconds.
        guard episodes.contains(where: { $0.expertMask.contains(true) }) else {
            throw RuntimeError("\(config.demos) holds no expert-labelled steps: nothing for bc to learn from")
        }
        return SupervisedImitation(mode: .behaviourCloning, spec: spec, settings: config.imitationSettings, demonstrations: episodes)
    }
}

/// `--algo dagger`: Ross et al.'s dataset aggregation with an expert process, optionally
/// starting from a demonstration file (the first iteration then clones it).
struct DAggerBuilder: AlgorithmBuilder {
    let name = "dagger"
    let summary = "DAgger: the expert labels the states the learner visits"
    let requirements: AlgorithmRequirements = [.expert, .rolloutWorkers]
    let acceptsDemonstrations = true
    let sections = ["dagger"]

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        let episodes = config.demos.isEmpty ? [] : try DemonstrationSource.load(config, spec: spec)
        return SupervisedImitation(mode: .dagger, spec: spec, settings: config.imitationSettings, demonstrations: episodes)
    }
}
