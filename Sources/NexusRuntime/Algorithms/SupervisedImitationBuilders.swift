import NexusAlgorithms
import NexusEnvironments
import NexusWire

/// `--algo bc`: behaviour cloning from a demonstration file, offline.
struct BehaviourCloningBuilder: AlgorithmBuilder {
    let name = "bc"
    let summary = "behaviour cloning on a demonstration file (--demos); offline"
    let requirements: AlgorithmRequirements = [.demonstrations]

    func validate(_ config: RunConfig) throws { try DemonstrationSource.require(config, algorithm: name) }

    func iterationLimit(_ config: RunConfig) -> Int { config.bc.iterations }

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        SupervisedImitation(mode: .behaviourCloning, spec: spec, settings: config.imitationSettings, demonstrations: try DemonstrationSource.load(config, spec: spec))
    }
}

/// `--algo dagger`: Ross et al.'s dataset aggregation with an expert process.
struct DAggerBuilder: AlgorithmBuilder {
    let name = "dagger"
    let summary = "DAgger: the expert labels the states the learner visits"
    let requirements: AlgorithmRequirements = [.expert, .rolloutWorkers]

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        SupervisedImitation(mode: .dagger, spec: spec, settings: config.imitationSettings)
    }
}
