import NexusEnvironments
import NexusWire

/// The run's demonstration file (`demos`), for the algorithms that learn from one.
enum DemonstrationSource {
    static func require(_ config: RunConfig, algorithm: String) throws {
        guard !config.demos.isEmpty else { throw ConfigError("config key \"demos\" = \"\": algo \(algorithm) needs a demonstration file (--demos FILE)") }
    }

    /// The episodes, checked against the environment: its id, dimensions and action kind, and
    /// at least one step.
    static func load(_ config: RunConfig, spec: EnvironmentSpec) throws -> [TrajectorySegment] {
        let file: DemonstrationFile
        do {
            file = try DemonstrationFile.read(from: config.demos)
        } catch {
            throw RuntimeError("cannot use demonstrations \(config.demos): \(error)")
        }
        let header = file.header
        guard header.envID == config.env else {
            throw RuntimeError("\(config.demos) holds demonstrations of \(header.envID), not \(config.env)")
        }
        guard header.observationDim == spec.observationDim, header.actionDim == spec.actionSpace.dimension,
            header.discreteActions == (spec.actionSpace.discreteCount ?? 0)
        else {
            throw RuntimeError(
                "\(config.demos): observations of \(header.observationDim), actions of \(header.actionDim) (discrete \(header.discreteActions)) do not fit \(spec.id)")
        }
        if GymEnvironmentID.isGym(config.env) {
            guard GymEnvironments.sameKwargs(header.gymKwargs, config.envKwargs) else {
                let describe = { (kwargs: [String: String]) in kwargs.isEmpty ? "the defaults" : GymEnvironments.kwargsJSON(kwargs) }
                throw RuntimeError(
                    "\(config.demos) was recorded on \(spec.id) with env_kwargs \(describe(header.gymKwargs)), this run uses \(describe(config.envKwargs)); record demonstrations with the run's --env-kwarg values")
            }
            guard file.totalSteps > 0 else { throw RuntimeError("\(config.demos) holds no steps") }
            return file.episodes
        }
        let recordedWith = EnvironmentArguments(header.environmentArguments)
        let runsWith = try config.environmentArguments
        guard recordedWith.resolved(for: spec) == runsWith.resolved(for: spec) else {
            let describe = { (arguments: EnvironmentArguments) in arguments.values.isEmpty ? "the defaults" : arguments.description }
            throw RuntimeError(
                "\(config.demos) was recorded on \(spec.id) with env_kwargs \(describe(recordedWith)), this run uses \(describe(runsWith)); record demonstrations with the run's --env-kwarg values")
        }
        guard file.totalSteps > 0 else { throw RuntimeError("\(config.demos) holds no steps") }
        return file.episodes
    }
}
