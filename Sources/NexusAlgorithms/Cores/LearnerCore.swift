import NexusEnvironments
import NexusWire

/// The learner's decisions, without its I/O (the swift-cluster-membership shape): a value
/// that takes events — a segment arrived, labels came, an iteration was trained, an
/// evaluation ended, the clock ticked — and returns directives — ingest, publish, evaluate,
/// record, checkpoint, finish — that the shell (`Learner`) carries out. It keeps the counters,
/// the policy version and the reason the run ends.
public struct LearnerCore {
    public struct Settings: Sendable, Equatable {
        public var evalEvery = 1
        public var checkpointEvery = 5
        public var targetReturn = 475.0
        public var stopAtTarget = true
        public var maxSeconds = 600.0
        /// 0: no budget of env steps.
        public var totalEnvSteps: UInt64 = 0
        public var iterationLimit = 10_000
        /// Segments more than this many versions behind are dropped.
        public var maxPolicyLag = Int.max
        public var usesWorkers = true

        public init() {}
    }

    public enum Event: Equatable {
        /// A validated segment: its version, its steps, the expert answers behind its labels
        /// (each expert a worker asked answered each labelled step), its unsafe steps, the
        /// returns of the episodes that ended in it.
        case segment(policyVersion: UInt64, steps: Int, expertAnswers: Int, unsafeEvents: Int, episodeReturns: [Float])
        /// What a segment from a worker (or the in-process collector) tells the core.
        public static func arrived(_ segment: TrajectorySegment) -> Event {
            .segment(
                policyVersion: segment.policyVersion, steps: segment.stepCount, expertAnswers: segment.answersBehindLabels,
                unsafeEvents: segment.unsafeEvents, episodeReturns: segment.completedEpisodeReturns)
        }
        /// A message of the wrong kind on the trajectory socket.
        case wrongKind
        /// The learner's own questions to the experts (imagined states) were answered.
        case labelled(answers: Int)
        /// An iteration was trained (the algorithm's iteration count after it, its losses).
        case trained(iteration: Int, losses: [Metric])
        /// The evaluation `evaluate` asked for: its summary, nil if it failed.
        case evaluated(EvaluationSummary?, seconds: Double)
        /// The clock moved (the time limit).
        case tick
        /// A stop from outside (a signal, a stop request).
        case stop(reason: String)
    }

    public enum Directive: Equatable {
        /// Give the segment to the algorithm (it is recent enough to learn from).
        case ingest
        /// The weights of the iteration just trained go out as this version.
        case publish(version: UInt64)
        /// Evaluate the current policy, then send `evaluated`.
        case evaluate
        /// Append this row to metrics.csv and TensorBoard.
        case record(IterationRecord)
        /// Write a numbered checkpoint.
        case checkpoint
        /// The policy is the best so far: write best.nxckpt.
        case saveBest
        /// The run ends, for this reason.
        case finish(reason: String)
    }

    public let settings: Settings
    public private(set) var counters: LearnerCounters
    public private(set) var version: UInt64
    public private(set) var iteration: Int
    public private(set) var finishReason: String?
    /// The last iteration's losses (with `update_seconds` and `eval_seconds` from the shell).
    public private(set) var losses: [Metric] = []
    /// Since the last row: how far behind the policy the ingested segments were, and where
    /// the step count and the clock stood.
    private var lag = (sum: 0.0, segments: 0)
    private var rowReturns = (sum: 0.0, episodes: 0)
    private var lastRow = (envSteps: UInt64(0), wallSeconds: 0.0)
    /// The counters when the latest iteration started training: the data its policy saw.
    private var trainedOn = (envSteps: UInt64(0), expertQueries: UInt64(0), unsafeEvents: UInt64(0))

    /// A fresh run starts at version 1, iteration 0; a resumed one where its checkpoint (and
    /// the versions reserved on disk) say.
    public init(settings: Settings, counters: LearnerCounters = LearnerCounters(), version: UInt64 = 1, iteration: Int = 0) {
        self.settings = settings
        self.counters = counters
        self.version = version
        self.iteration = iteration
        // A resumed run's first rate counts from where its checkpoint stood.
        lastRow = (counters.envSteps, counters.wallSecondsBefore)
    }

    /// Whether training may go on (and segments count): the run has not ended.
    public var isRunning: Bool { finishReason == nil }

    /// The wall clock of the run, seconds, given this process's own.
    public func wallSeconds(sinceStart seconds: Double) -> Double { counters.wallSecondsBefore + seconds }

    /// About to train: the counters now are what the new policy is trained on.
    public mutating func training() {
        trainedOn = (counters.envSteps, counters.expertQueries, counters.unsafeEvents)
    }

    /// The directives for `event` at `wallSeconds` (the run's clock).
    public mutating func handle(_ event: Event, wallSeconds: Double) -> [Directive] {
        switch event {
        case .segment(let segmentVersion, let steps, let answers, let unsafeEvents, let episodeReturns):
            // After the end (target reached, time up) segments still in flight are not counted.
            guard isRunning else { return [] }
            counters.envSteps += UInt64(steps)
            counters.expertQueries += UInt64(answers)
            counters.segments += 1
            counters.unsafeEvents += UInt64(unsafeEvents)
            // A stale segment's episodes were still the run's: counted before the age check.
            let returns = episodeReturns.reduce(0.0) { $0 + Double($1) }
            counters.trainingEpisodes += UInt64(episodeReturns.count)
            counters.trainingReturnTotal += returns
            rowReturns = (rowReturns.sum + returns, rowReturns.episodes + episodeReturns.count)
            guard SegmentAge.isUsable(segmentVersion: segmentVersion, currentVersion: version, maxLag: settings.maxPolicyLag) else {
                counters.staleSegmentsDropped += 1
                return []
            }
            lag.sum += Double(version - segmentVersion)
            lag.segments += 1
            return [.ingest]
        case .wrongKind:
            counters.wrongKindMessages += 1
            return []
        case .labelled(let answers):
            counters.expertQueries += UInt64(answers)
            return []
        case .trained(let trainedIteration, let newLosses):
            guard isRunning else { return [] }
            iteration = trainedIteration
            losses = newLosses
            version += 1
            guard iteration % settings.evalEvery == 0 else {
                // Every row has the column (metrics.csv fixes its columns from the first row).
                losses.append(Metric(name: "eval_seconds", value: 0))
                return [.publish(version: version)] + afterIteration(evaluated: nil, wallSeconds: wallSeconds)
            }
            return [.publish(version: version), .evaluate]
        case .evaluated(let summary, let seconds):
            losses.append(Metric(name: "eval_seconds", value: seconds))
            return afterIteration(evaluated: .some(summary), wallSeconds: wallSeconds)
        case .tick:
            guard isRunning, wallSeconds >= settings.maxSeconds else { return [] }
            return finish("reached max_seconds \(settings.maxSeconds)")
        case .stop(let reason):
            return finish(reason)
        }
    }

    /// After an iteration (and its evaluation, if one was due: `evaluated` is then the
    /// summary or nil for a failed one): the target, the row, the checkpoints, the limits.
    private mutating func afterIteration(evaluated: EvaluationSummary??, wallSeconds: Double) -> [Directive] {
        var directives: [Directive] = []
        var failed = false
        if let evaluated {
            if let summary = evaluated {
                counters.evalReturnMean = summary.meanReturn
                counters.evalReturnStd = summary.stdReturn
                if !(summary.meanReturn <= counters.bestEvalReturn) {
                    counters.bestEvalReturn = summary.meanReturn
                    directives.append(.saveBest)
                }
                if summary.meanReturn >= settings.targetReturn, !counters.reachedTarget {
                    counters.secondsToTarget = wallSeconds
                    // What the policy that reached it was trained on: not what workers
                    // collected meanwhile, while it was evaluated (a slow gym: evaluation).
                    counters.envStepsToTarget = Double(trainedOn.envSteps)
                    counters.expertQueriesToTarget = Double(trainedOn.expertQueries)
                    counters.unsafeEventsToTarget = Double(trainedOn.unsafeEvents)
                    counters.iterationsToTarget = Double(iteration)
                }
            } else {
                failed = true
            }
        }
        let record = IterationRecord(
            iteration: iteration, wallSeconds: wallSeconds, envSteps: counters.envSteps, expertQueries: counters.expertQueries,
            unsafeEvents: counters.unsafeEvents, policyVersion: version, losses: losses,
            envStepsPerSecond: settings.usesWorkers ? rate(wallSeconds: wallSeconds) : nil,
            policyLag: settings.usesWorkers ? (lag.segments > 0 ? lag.sum / Double(lag.segments) : .nan) : nil,
            trainReturnMean: settings.usesWorkers ? (rowReturns.episodes > 0 ? rowReturns.sum / Double(rowReturns.episodes) : .nan) : nil,
            // A failed evaluation leaves no return in its row (not the previous one's).
            evalReturnMean: failed ? .nan : counters.evalReturnMean, evalReturnStd: failed ? .nan : counters.evalReturnStd)
        lastRow = (counters.envSteps, wallSeconds)
        lag = (0, 0)
        rowReturns = (0, 0)
        // The row first, then the files: a checkpoint holds what its row says.
        directives.insert(.record(record), at: 0)
        if iteration % settings.checkpointEvery == 0 { directives.insert(.checkpoint, at: 1) }
        if counters.reachedTarget, counters.iterationsToTarget == Double(iteration), settings.stopAtTarget {
            directives += finish("reached target return \(settings.targetReturn)")
        }
        if iteration >= settings.iterationLimit { directives += finish("completed \(settings.iterationLimit) iterations") }
        if settings.totalEnvSteps > 0, counters.envSteps >= settings.totalEnvSteps { directives += finish("reached total_env_steps \(settings.totalEnvSteps)") }
        return directives
    }

    private func rate(wallSeconds: Double) -> Double {
        let seconds = wallSeconds - lastRow.wallSeconds
        return seconds > 0 ? Double(counters.envSteps - lastRow.envSteps) / seconds : .nan
    }

    private mutating func finish(_ reason: String) -> [Directive] {
        guard isRunning else { return [] }
        finishReason = reason
        return [.finish(reason: reason)]
    }

    // MARK: what the run reports

    /// What a status answer says about training (the server adds the control plane's view).
    public func statusMetrics(wallSeconds: Double) -> [Metric] {
        counters.metrics + [
            Metric(name: "wall_seconds", value: wallSeconds),
            Metric(name: "iteration", value: Double(iteration)),
            Metric(name: Self.finishedMetric, value: isRunning ? 0 : 1),
            Metric(name: "target_return", value: settings.targetReturn),
        ] + losses
    }

    /// The status metric that is 1 once the run has finished (the launcher stops asking then).
    public static let finishedMetric = "finished"

    /// The counters a checkpoint keeps (a resumed run goes on counting from them).
    public func checkpointCounters(wallSeconds: Double) -> [Metric] {
        counters.metrics + [Metric(name: "wall_seconds", value: wallSeconds)]
    }
}

/// One row of metrics.csv and TensorBoard: what the run had done after an iteration.
public struct IterationRecord: Equatable {
    public var iteration: Int
    public var wallSeconds: Double
    public var envSteps: UInt64
    public var expertQueries: UInt64
    public var unsafeEvents: UInt64
    public var policyVersion: UInt64
    /// The algorithm's losses, `update_seconds` and (when evaluated) `eval_seconds`.
    public var losses: [Metric]
    /// For algorithms with workers: throughput and policy lag since the previous row.
    public var envStepsPerSecond: Double?
    public var policyLag: Double?
    /// For algorithms with workers: the mean return of the episodes that ended since the
    /// previous row (NaN if none did).
    public var trainReturnMean: Double?
    public var evalReturnMean: Double
    public var evalReturnStd: Double

    /// The columns in their order; `network` (the sockets' counts) go before the returns, for
    /// algorithms with workers.
    public func columns(network: [Metric] = []) -> [(String, Double)] {
        var row: [(String, Double)] = [
            ("iteration", Double(iteration)), ("wall_seconds", wallSeconds), ("env_steps", Double(envSteps)),
            ("expert_queries", Double(expertQueries)), ("unsafe_events", Double(unsafeEvents)), ("policy_version", Double(policyVersion)),
        ]
        row += losses.map { ($0.name, $0.value) }
        if let envStepsPerSecond, let policyLag {
            row += [("env_steps_per_second", envStepsPerSecond), ("policy_lag", policyLag), ("train_return_mean", trainReturnMean ?? .nan)]
            row += network.map { ($0.name, $0.value) }
        }
        return row + [("eval_return_mean", evalReturnMean), ("eval_return_std", evalReturnStd)]
    }
}
