import NexusEnvironments
import NexusRandom
import NexusWire

/// Expert demonstrations: whole episodes of an expert, as `DemonstrationFile`s.
public enum DemonstrationRecorder {
    /// Records `episodes` episodes of `expert` on environment `type`, resets drawn from `seed`.
    /// Each episode is one trajectory: T steps, T+1 observations (the last is the final one,
    /// also given as the final observation of the ending step), the expert's actions as both
    /// the actions taken and the expert labels.
    public static func record(
        _ type: any Environment.Type, expert: any Expert, episodes: Int, seed: UInt64, nexusVersion: String, arguments: EnvironmentArguments = .none,
        progress: (_ episodesDone: Int, _ steps: Int) -> Void = { _, _ in }
    ) -> DemonstrationFile {
        func open<E: Environment>(_ type: E.Type) -> DemonstrationFile {
            recordEpisodes(E.self, expert: expert, episodes: episodes, seed: seed, nexusVersion: nexusVersion, arguments: arguments, progress: progress)
        }
        return open(type)
    }

    static func recordEpisodes<E: Environment>(
        _ type: E.Type, expert: any Expert, episodes: Int, seed: UInt64, nexusVersion: String, arguments: EnvironmentArguments,
        progress: (Int, Int) -> Void
    ) -> DemonstrationFile {
        let spec = E.spec
        var random = RandomSource(seed: seed)
        var environment = TimeLimitedEpisode<E>(arguments: arguments)
        let actionDim = spec.actionSpace.dimension
        var records: [TrajectorySegment] = []
        var recordedSteps = 0
        for episode in 0..<episodes {
            environment.reset(random: &random)
            var observations = environment.observation()
            var actions: [Float] = []
            var rewards: [Float] = []
            var action = [Float](repeating: 0, count: actionDim)
            var terminated = false
            while !environment.isOver {
                let current = Array(observations.suffix(spec.observationDim))
                current.withUnsafeBufferPointer { o in action.withUnsafeMutableBufferPointer { expert.act(o, into: $0) } }
                let (reward, ended, _) = environment.step(action)
                actions += action
                rewards.append(Float(reward))
                observations += environment.observation()
                terminated = ended
            }
            let steps = rewards.count
            records.append(EpisodeBook.wholeEpisode(
                envID: spec.id, episodeID: UInt64(episode), envIndex: 0, observations: observations, actions: actions, rewards: rewards,
                episodeReturn: environment.episodeReturn, terminated: terminated,
                observationDim: spec.observationDim, actionDim: actionDim))
            recordedSteps += steps
            progress(episode + 1, recordedSteps)
        }
        let header = DemonstrationHeader(
            envID: spec.id, observationDim: spec.observationDim, actionDim: actionDim, discreteActions: spec.actionSpace.discreteCount ?? 0,
            expert: expert.name, seed: seed, nexusVersion: nexusVersion, environmentArguments: arguments.values)
        return DemonstrationFile(header: header, episodes: records)
    }

    /// Episodes, steps and returns of a file, for `nexus demos info`.
    public static func summary(_ file: DemonstrationFile) -> (episodes: Int, steps: Int, meanReturn: Double, minReturn: Double, maxReturn: Double) {
        let returns = file.episodes.map { $0.rewards.reduce(0.0) { $0 + Double($1) } }
        let mean = returns.isEmpty ? 0 : returns.reduce(0, +) / Double(returns.count)
        return (file.episodes.count, file.totalSteps, mean, returns.min() ?? 0, returns.max() ?? 0)
    }
}
