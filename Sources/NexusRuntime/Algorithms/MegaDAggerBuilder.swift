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
    let sections = ["dagger", "mega"]

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

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        let episodes = config.demos.isEmpty ? [] : try DemonstrationSource.load(config, spec: spec)
        return MegaDAgger(spec: spec, imitation: config.imitationSettings, settings: config.mega, demonstrations: episodes)
    }
}
