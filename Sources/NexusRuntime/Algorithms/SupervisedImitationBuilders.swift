import NexusAlgorithms
import NexusEnvironments
import NexusWire

/// `--algo bc`: behaviour cloning from a demonstration file, offline.
struct BehaviourCloningBuilder: AlgorithmBuilder {
    let name = "bc"
    let summary = "behaviour cloning on a demonstration file (--demos); offline"
    let requirements: AlgorithmRequirements = [.demonstrations]

    func validate(_ config: RunConfig) throws {
        guard !config.bc.demos.isEmpty else { throw ConfigError("config key \"bc.demos\" = \"\": algo bc needs a demonstration file (--demos FILE)") }
    }

    func iterationLimit(_ config: RunConfig) -> Int { config.bc.iterations }

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        let file: DemonstrationFile
        do {
            file = try DemonstrationFile.read(from: config.bc.demos)
        } catch {
            throw RuntimeError("cannot use demonstrations \(config.bc.demos): \(error)")
        }
        guard file.header.envID == config.env else {
            throw RuntimeError("\(config.bc.demos) holds demonstrations of \(file.header.envID), not \(config.env)")
        }
        return SupervisedImitation(mode: .behaviourCloning, spec: spec, settings: config.imitationSettings, demonstrations: file.episodes)
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
