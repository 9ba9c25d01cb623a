import NexusAlgorithms
import NexusEnvironments
import NexusWire

/// Everything `nexus train` can check before it creates or changes anything in a run
/// directory: what the learner would find only after the directory exists (a missing or
/// mismatched demonstration file, an expert policy or learned reward that cannot be read, a
/// checkpoint of another algorithm) is found here, so a refused run leaves nothing behind
/// and a refused resume leaves its run as it was.
public enum RunPreflight {
    public static func check(_ config: RunConfig, resuming run: RunDirectory?) throws {
        let builder = try config.algorithm
        let spec = try config.environmentSpec
        _ = try config.checkedUnsafeRegion(observationDim: spec.observationDim)
        if builder.requirements.contains(.expert), !config.expert.python.isEmpty {
            try PythonExpert.check(config)
        } else if builder.requirements.contains(.expert) {
            // A policy file that cannot serve is reported now, not as an expert that died.
            do {
                _ = try ExpertSource.make(spec: spec, policyFile: config.expert.policy)
            } catch {
                throw RuntimeError("expert.policy: \(error)")
            }
            for flaw in config.expertImperfections {
                do { _ = try Imperfection.parse(flaw, for: spec) } catch { throw RuntimeError("expert.imperfections: \(error)") }
            }
        }
        if !config.ppo.reward.isEmpty, config.algo == PPOBuilder().name {
            _ = try PPOBuilder.learnedReward(config.ppo.reward, spec: spec, gamma: Float(config.ppo.gamma))
        }
        // The learner's own construction: demonstrations read and checked against the
        // environment, the algorithm's settings taken.
        let algorithm = try builder.makeAlgorithm(config: config, spec: spec)
        guard let run else { return }
        let (checkpoint, path) = try CheckpointStore(directory: run.checkpoints, keep: 1).latest()
        try Learner.check(checkpoint, at: path, fits: config)
        do {
            try algorithm.restore(
                models: checkpoint.weights.models, tensors: checkpoint.optimizerState, random: checkpoint.rngState, iteration: Int(checkpoint.iteration))
        } catch {
            throw RuntimeError("cannot resume from \(path) with this configuration: \(error)")
        }
    }
}
