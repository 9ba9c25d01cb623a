import NexusWire

/// What the learner has seen and done, saved in checkpoints so a resumed run keeps counting.
public struct LearnerCounters: Sendable, Equatable {
    public var envSteps: UInt64 = 0
    public var expertQueries: UInt64 = 0
    public var segments: UInt64 = 0
    public var staleSegmentsDropped: UInt64 = 0
    public var wrongKindMessages: UInt64 = 0
    /// Steps that took an environment into its unsafe region (`Environment.isUnsafe`).
    public var unsafeEvents: UInt64 = 0
    /// Episodes the workers finished while collecting (under the run's own mix of policy and
    /// expert), and the sum of their returns: how the training episodes went, the return
    /// imitation normalises DAgger's score by.
    public var trainingEpisodes: UInt64 = 0
    public var trainingReturnTotal = 0.0
    /// Run time before this process (a resumed run keeps its clock); checkpoints store the
    /// total as `wall_seconds`.
    public var wallSecondsBefore: Double = 0
    public var evalReturnMean = Double.nan
    public var evalReturnStd = Double.nan
    /// The best evaluation return so far (the state then is `checkpoints/best.nxckpt`).
    public var bestEvalReturn = Double.nan
    public var secondsToTarget = Double.nan
    public var envStepsToTarget = Double.nan
    public var expertQueriesToTarget = Double.nan
    public var iterationsToTarget = Double.nan
    public var unsafeEventsToTarget = Double.nan

    public var reachedTarget: Bool { !secondsToTarget.isNaN }

    /// The mean return of the training episodes so far (NaN before the first).
    public var trainingReturnMean: Double { trainingEpisodes > 0 ? trainingReturnTotal / Double(trainingEpisodes) : .nan }

    public init() {}

    /// The whole-number counters, by name: what a checkpoint keeps exactly.
    public var counts: [String: UInt64] {
        Dictionary(uniqueKeysWithValues: zip(Self.countNames, [envSteps, expertQueries, segments, staleSegmentsDropped, wrongKindMessages, unsafeEvents, trainingEpisodes]))
    }

    /// The whole-number counters' names, in the order status lists them.
    public static let countNames = ["env_steps", "expert_queries", "segments", "stale_segments_dropped", "wrong_kind_messages", "unsafe_events", "training_episodes"]

    /// Every counter as a metric (status, Prometheus, and checkpoints for older readers).
    public var metrics: [Metric] {
        Self.countNames.map { Metric(name: $0, value: Double(counts[$0] ?? 0)) } + [
            Metric(name: "training_return_mean", value: trainingReturnMean),
            Metric(name: "eval_return_mean", value: evalReturnMean),
            Metric(name: "eval_return_std", value: evalReturnStd),
            Metric(name: "best_eval_return", value: bestEvalReturn),
            Metric(name: "seconds_to_target", value: secondsToTarget),
            Metric(name: "env_steps_to_target", value: envStepsToTarget),
            Metric(name: "expert_queries_to_target", value: expertQueriesToTarget),
            Metric(name: "iterations_to_target", value: iterationsToTarget),
            Metric(name: "unsafe_events_to_target", value: unsafeEventsToTarget),
        ]
    }

    /// From a checkpoint: whole-number counters from `counts` where it has them (exact), else
    /// from their metrics (a checkpoint written before counts were).
    public init(metrics: [Metric], counts: [String: UInt64] = [:]) {
        func value(_ name: String) -> Double { metrics.first { $0.name == name }?.value ?? .nan }
        // A damaged or forged checkpoint must not trap the conversion (UInt64(1e30) does).
        func count(_ name: String) -> UInt64 {
            if let exact = counts[name] { return exact }
            let v = value(name)
            return v.isFinite && v >= 0 && v < 1e18 ? UInt64(v) : 0
        }
        envSteps = count("env_steps")
        expertQueries = count("expert_queries")
        segments = count("segments")
        staleSegmentsDropped = count("stale_segments_dropped")
        wrongKindMessages = count("wrong_kind_messages")
        unsafeEvents = count("unsafe_events")
        trainingEpisodes = count("training_episodes")
        let trainingMean = value("training_return_mean")
        trainingReturnTotal = trainingMean.isFinite ? trainingMean * Double(trainingEpisodes) : 0
        let wall = value("wall_seconds")
        wallSecondsBefore = wall.isFinite ? wall : 0
        evalReturnMean = value("eval_return_mean")
        evalReturnStd = value("eval_return_std")
        bestEvalReturn = value("best_eval_return")
        secondsToTarget = value("seconds_to_target")
        envStepsToTarget = value("env_steps_to_target")
        expertQueriesToTarget = value("expert_queries_to_target")
        iterationsToTarget = value("iterations_to_target")
        unsafeEventsToTarget = value("unsafe_events_to_target")
    }

    /// Takes `other`'s best evaluation return if it is better (a resume reads best.nxckpt,
    /// which may be newer than the checkpoint it resumes from).
    public mutating func keepBest(of other: LearnerCounters) {
        if other.bestEvalReturn.isFinite, !(other.bestEvalReturn <= bestEvalReturn) { bestEvalReturn = other.bestEvalReturn }
    }
}
