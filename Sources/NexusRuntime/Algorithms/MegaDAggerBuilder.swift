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

    /// The expert hands over faster than in DAgger (β falls by 0.7 per episode's worth of env
    /// steps, `mega.beta_per_episode`; DAgger's by 0.95 an iteration): the gate's interventions
    /// and the safety fallback take over the rows the policy drives. With 0.95 an iteration the
    /// β rows were most of the queries (0.9× DAgger's on Pendulum-v1); with 0.25 an iteration
    /// the early policies drove the MuJoCo robots and fell (Walker2d-v5 29–42 falls a run to
    /// DAgger's 7.5, Ant-v5 10 to 0). The first iteration is 128 labels, the expert driving one
    /// copy per worker for whole episodes, the others idle (docs/algorithms/mega-dagger.md).
    func applyDefaults(to config: inout RunConfig) {
        config.dagger.betaDecay = 0.7
        config.dagger.firstExpertCopies = 1
        config.training.samplesPerIteration = 128
    }

    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm {
        let episodes = config.demos.isEmpty ? [] : try DemonstrationSource.load(config, spec: spec)
        return MegaDAgger(spec: spec, imitation: config.imitationSettings, settings: config.mega, demonstrations: episodes)
    }
}
