import NexusEnvironments
import NexusWire

/// Whole episodes of an actor on copies stepped together, wherever they step (the loop
/// around an `EpisodeBook`). The actor maps `[rows, observationDim]` observations to
/// `[rows, actionDim]` actions and may be remote (a Python expert) or local (a policy).
public enum BatchedEpisodes {
    public struct Outcome {
        /// The episodes in a fixed order (copy, then end).
        public let episodes: [EpisodeBook.Episode]
        /// Steps that failed and were recovered from (the episodes under way were dropped).
        public let failures: Int
        /// Episodes cut at the step limit (an environment without a time limit).
        public var cut: Int { episodes.count { $0.cut } }
        public var summary: EvaluationSummary { EvaluationSummary(returns: episodes.map(\.episodeReturn), lengths: episodes.map(\.length)) }
        /// The episodes as demonstration records (when steps were kept).
        public var records: [TrajectorySegment] { episodes.compactMap(\.record) }
    }

    /// Episodes without a time limit are cut after this many steps.
    public static let stepLimitWithoutTimeLimit = 10_000

    /// Runs `episodes` episodes, `(episodes + c) / copies` in copy c, from the observations
    /// the environment holds now (copies at the start of an episode). A step that throws is
    /// counted and the environment recovered, dropping the episodes under way, up to
    /// `failuresAllowed` times; one more is thrown.
    public static func run<V: BatchedEnvironment>(
        _ environment: inout V, episodes: Int, keepSteps: Bool, failuresAllowed: Int,
        act: (_ observations: [Float], _ rows: Int) async throws -> [Float],
        progress: (_ book: EpisodeBook) -> Void = { _ in }
    ) async throws -> Outcome {
        let spec = environment.spec
        let limit = spec.maxEpisodeSteps > 0 ? spec.maxEpisodeSteps : stepLimitWithoutTimeLimit
        var book = EpisodeBook(
            envID: spec.id, copies: environment.count, episodes: episodes, observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension,
            stepLimit: limit, keepSteps: keepSteps)
        book.begin(observations: environment.observations)
        var failures = 0
        while !book.isComplete {
            let actions = try await act(environment.observations, environment.count)
            do {
                try await environment.step(stepping: actions)
            } catch let failure as EnvironmentFailure {
                failures += 1
                guard failures <= failuresAllowed else { throw failure }
                try await environment.recover()
                book.begin(observations: environment.observations)
                continue
            }
            book.record(actions: actions, outcome: environment)
            progress(book)
        }
        return Outcome(episodes: book.episodes, failures: failures)
    }
}
