import CoreMetrics
import Foundation
import Logging
import NexusAlgorithms
import NexusEnvironments
import NexusTransport
import NexusWire

/// The learner's state, owned by one actor: the algorithm, the counters, the policy version.
/// Sockets feed it (`accept`) and read it (`status`, `welcome`); the training loop advances it.
actor Learner {
    let config: RunConfig
    let runID: String
    let spec: EnvironmentSpec
    /// The environment's keyword arguments, for evaluation (checked once, here).
    private let evaluator: PolicyEvaluator
    private let algorithm: any ImitationAlgorithm
    private let builder: any AlgorithmBuilder
    private let logger: Logger
    private let run: RunDirectory
    private let metricsLog: MetricsLog
    private let tensorBoard: TensorBoardLog
    /// Since the last metrics row: how far behind the policy the accepted segments were, and
    /// where the step count and the clock stood.
    private var policyLag = (sum: 0.0, segments: 0)
    private var lastRow = (envSteps: UInt64(0), wallSeconds: 0.0)
    /// Distributions for Prometheus (the totals are mirrored from the status, `MetricsMirror`).
    private let policyLagHistogram = Recorder(label: "nexus_learner_segment_policy_lag")
    private let segmentStepsHistogram = Recorder(label: "nexus_learner_segment_length_steps")
    private let updateSeconds = Timer(label: "nexus_learner_update_duration_seconds")
    private let checkpoints: CheckpointStore
    private let started = ContinuousClock.now
    private(set) var counters = LearnerCounters()
    private(set) var version: UInt64 = 1
    private var reservation = VersionReservation()
    private(set) var finishReason: String?
    private var currentWeights: Weights
    private var lastLosses: [Metric] = []
    /// This iteration's evaluation failed (its environment twice): no return in its row.
    private var evaluationSkipped = false
    /// The counters when the latest iteration started training: the data its policy saw.
    private var trainedOn: (envSteps: UInt64, expertQueries: UInt64, unsafeEvents: UInt64) = (0, 0, 0)
    /// The YAML served to workers: the run's configuration with the endpoints actually bound.
    var servedConfig: String

    init(config: RunConfig, algorithm: sending any ImitationAlgorithm, evaluator: PolicyEvaluator, run: RunDirectory, resume: Bool, logger: Logger) throws {
        self.config = config
        self.algorithm = algorithm
        builder = try config.algorithm
        self.logger = logger
        self.run = run
        spec = try config.environmentSpec
        self.evaluator = evaluator
        checkpoints = CheckpointStore(directory: run.checkpoints, keep: config.learner.keepCheckpoints)
        servedConfig = try ConfigLoader.yaml(config)
        var runID = "\(config.algo)-\(config.env)-\(UInt32.random(in: 0...UInt32.max))"
        var checkpointVersion: UInt64?
        if resume {
            // Each phase is logged: a large checkpoint takes a while, and the launcher shows
            // these lines while it waits for the learner.
            let started = ContinuousClock.now
            let seconds = { String(format: "%.2f s", (ContinuousClock.now - started) / .seconds(1)) }
            if let newest = checkpoints.files().last {
                let megabytes = Double(FileBytes.size(newest) ?? 0) / 1e6
                logger.info("resuming: reading \((newest as NSString).lastPathComponent) (\(String(format: "%.1f", megabytes)) MB)")
            }
            let (checkpoint, path) = try checkpoints.latest()
            try Self.check(checkpoint, at: path, fits: config)
            logger.info("resuming: read and checked \((path as NSString).lastPathComponent) in \(seconds()); restoring the algorithm's state")
            try algorithm.restore(
                models: checkpoint.weights.models, tensors: checkpoint.optimizerState, random: checkpoint.rngState, iteration: Int(checkpoint.iteration))
            counters = LearnerCounters(metrics: checkpoint.counters)
            // best.nxckpt may be newer than the newest numbered checkpoint (written at an
            // evaluation between two of them): only a better return replaces it.
            if let best = try? CheckpointFile.read(checkpoints.bestPath) { counters.keepBest(of: LearnerCounters(metrics: best.counters)) }
            checkpointVersion = checkpoint.weights.version
            runID = checkpoint.runID
            // Iterations past the checkpoint are trained again: their rows go.
            try MetricsLog.rewind(run.metrics, toIteration: Int(checkpoint.iteration))
            for problem in TensorBoardLog.rewind(run.tensorBoard, toIteration: Int(checkpoint.iteration)) {
                logger.warning("cannot rewind an events file; TensorBoard may show steps past iteration \(checkpoint.iteration) twice", metadata: ["file": "\(problem)"])
            }
            logger.info("resumed from \(path) in \(seconds())", metadata: ["iteration": "\(checkpoint.iteration)", "policy_version": "\(checkpoint.weights.version)"])
        }
        let reserved = FileBytes.text(run.publishedVersions).flatMap(VersionReservation.decode)
        if resume, reserved == nil { logger.warning("no readable \(run.publishedVersions): versions continue from the checkpoint's") }
        let first = VersionReservation.firstVersion(checkpointVersion: checkpointVersion, reserved: reserved)
        if let checkpointVersion, first > checkpointVersion + 1 {
            logger.info("versions \(checkpointVersion + 1)–\(first - 1) may have been published before the restart; continuing at \(first)")
        }
        version = first
        try Self.reserve(&reservation, toPublish: first, at: run.publishedVersions)
        metricsLog = MetricsLog(path: run.metrics)
        tensorBoard = try TensorBoardLog(directory: run.tensorBoard)
        self.runID = runID
        currentWeights = Weights(version: first, runID: runID, models: algorithm.models())
    }

    /// A checkpoint this run can continue from: the same algorithm on the same environment.
    static func check(_ checkpoint: Checkpoint, at path: String, fits config: RunConfig) throws {
        guard checkpoint.envID == config.env, checkpoint.algo == config.algo else {
            throw RuntimeError("\(path) is a \(checkpoint.algo) checkpoint for \(checkpoint.envID), not \(config.algo) on \(config.env)")
        }
    }

    /// Reserves versions on disk before `version` is published (`VersionReservation`).
    private static func reserve(_ reservation: inout VersionReservation, toPublish version: UInt64, at path: String) throws {
        guard let bound = reservation.reserve(toPublish: version) else { return }
        try AtomicFile.write(Array(VersionReservation.encode(bound).utf8), to: path)
    }

    var usesWorkers: Bool { algorithm.usesWorkers }
    var weights: Weights { currentWeights }
    var wallSeconds: Double { counters.wallSecondsBefore + (ContinuousClock.now - started) / .seconds(1) }
    var iteration: Int { algorithm.iteration }

    func setServedConfig(_ yaml: String) { servedConfig = yaml }

    /// Takes a validated segment, unless its policy is too old.
    func accept(_ segment: TrajectorySegment) {
        // After the end (target reached, time up) segments still in flight are not counted.
        guard finishReason == nil else { return }
        let steps = UInt64(segment.stepCount)
        counters.envSteps += steps
        // With several experts (expert.endpoints) every labelled state cost each of them an answer.
        counters.expertQueries += UInt64(segment.expertMask.lazy.filter { $0 }.count * config.expertEndpoints.count)
        counters.segments += 1
        counters.unsafeEvents += UInt64(segment.unsafeEvents)
        guard SegmentAge.isUsable(segmentVersion: segment.policyVersion, currentVersion: version, maxLag: builder.maxPolicyLag(config)) else {
            counters.staleSegmentsDropped += 1
            return
        }
        let lag = Double(version &- segment.policyVersion)
        policyLag.sum += lag
        policyLag.segments += 1
        policyLagHistogram.record(lag)
        segmentStepsHistogram.record(Int64(steps))
        _ = algorithm.ingest(segment)
    }

    func noteWrongKind() { counters.wrongKindMessages += 1 }

    /// States the algorithm wants the expert to label now (none after the end).
    func statesToLabel() -> [Float] { finishReason == nil ? algorithm.statesToLabel() : [] }

    /// The expert's labels for them; `answers` (every expert's) count as expert queries.
    func ingestLabels(observations: [Float], labels: [Float], answers: Int) {
        counters.expertQueries += UInt64(answers)
        algorithm.ingestLabels(observations: observations, labels: labels)
    }

    /// One training iteration if the algorithm has the data for it; returns the new weights
    /// (to be published before `evaluateAndRecord`, so that workers collect meanwhile).
    func trainIfReady() throws -> Weights? {
        guard finishReason == nil, algorithm.readyToTrain else { return nil }
        trainedOn = (counters.envSteps, counters.expertQueries, counters.unsafeEvents)
        let started = ContinuousClock.now
        lastLosses = algorithm.trainIteration()
        // Where an iteration's time goes: waiting for data is the rest of the wall clock.
        let elapsed = ContinuousClock.now - started
        lastLosses.append(Metric(name: "update_seconds", value: elapsed / .seconds(1)))
        updateSeconds.recordNanoseconds(Int64(elapsed / .nanoseconds(1)))
        version += 1
        try Self.reserve(&reservation, toPublish: version, at: run.publishedVersions)
        currentWeights = Weights(version: version, runID: runID, models: algorithm.models())
        return currentWeights
    }

    /// After an iteration: evaluation (every `eval_every`), the target, the metrics row (with
    /// the sockets' `network` counters), the checkpoint (every `checkpoint_every`), the
    /// iteration limit.
    func evaluateAndRecord(network: [Metric]) async throws {
        let iteration = algorithm.iteration
        let started = ContinuousClock.now
        var best = false
        evaluationSkipped = false
        if iteration % config.learner.evalEvery == 0 {
            let evaluated = try await evaluator.evaluate(algorithm.policy)
            evaluationSkipped = evaluated == nil
            if let summary = evaluated {
                counters.evalReturnMean = summary.meanReturn
                counters.evalReturnStd = summary.stdReturn
                if !(summary.meanReturn <= counters.bestEvalReturn) {
                    counters.bestEvalReturn = summary.meanReturn
                    best = true
                }
                if summary.meanReturn >= config.targetReturn, !counters.reachedTarget {
                    counters.secondsToTarget = wallSeconds
                    // What the policy that reached it was trained on: not what workers
                    // collected meanwhile, while it was evaluated (a slow gym: evaluation).
                    counters.envStepsToTarget = Double(trainedOn.envSteps)
                    counters.expertQueriesToTarget = Double(trainedOn.expertQueries)
                    counters.unsafeEventsToTarget = Double(trainedOn.unsafeEvents)
                    counters.iterationsToTarget = Double(iteration)
                    logger.info("reached the target return", metadata: ["return": "\(summary.meanReturn)", "target": "\(config.targetReturn)"])
                    if config.stopAtTarget { finish("reached target return \(config.targetReturn)") }
                }
            }
        }
        lastLosses.append(Metric(name: "eval_seconds", value: (ContinuousClock.now - started) / .seconds(1)))
        let row = metricsRow(iteration: iteration, network: network)
        try metricsLog.append(row)
        try tensorBoard.append(step: algorithm.usesWorkers ? Int(counters.envSteps) : iteration, row)
        if iteration % config.learner.checkpointEvery == 0 { try saveCheckpoint() }
        if best { try checkpoints.saveBest(checkpoint()) }
        let limit = builder.iterationLimit(config)
        if iteration >= limit { finish("completed \(limit) iterations") }
        if config.totalEnvSteps > 0, counters.envSteps >= config.totalEnvSteps { finish("reached total_env_steps \(config.totalEnvSteps)") }
    }

    /// One row of `metrics.csv` and `tb/`: the counters, the iteration's losses, throughput
    /// and policy lag since the previous row, rejected messages, the latest evaluation.
    private func metricsRow(iteration: Int, network: [Metric]) -> [(String, Double)] {
        var row: [(String, Double)] = [
            ("iteration", Double(iteration)), ("wall_seconds", wallSeconds), ("env_steps", Double(counters.envSteps)),
            ("expert_queries", Double(counters.expertQueries)), ("unsafe_events", Double(counters.unsafeEvents)),
            ("policy_version", Double(version)),
        ]
        row += lastLosses.map { ($0.name, $0.value) }
        if algorithm.usesWorkers {
            let seconds = wallSeconds - lastRow.wallSeconds
            row.append(("env_steps_per_second", seconds > 0 ? Double(counters.envSteps - lastRow.envSteps) / seconds : .nan))
            row.append(("policy_lag", policyLag.segments > 0 ? policyLag.sum / Double(policyLag.segments) : .nan))
            // env_failures only where there are any to count (a gym: environment): the
            // columns of Nexus's own runs stay as they were.
            let columns: Set<String> = GymEnvironmentID.isGym(config.env) ? ["rejected_messages", "env_failures"] : ["rejected_messages"]
            row += network.filter { columns.contains($0.name) }.map { ($0.name, $0.value) }
        }
        lastRow = (counters.envSteps, wallSeconds)
        policyLag = (0, 0)
        // An evaluation that failed leaves no return in its row (not the previous one's).
        let evaluation = evaluationSkipped ? (Double.nan, Double.nan) : (counters.evalReturnMean, counters.evalReturnStd)
        return row + [("eval_return_mean", evaluation.0), ("eval_return_std", evaluation.1)]
    }

    func checkTime() {
        if wallSeconds >= config.maxSeconds { finish("reached max_seconds \(config.maxSeconds)") }
    }

    func finish(_ reason: String) {
        guard finishReason == nil else { return }
        finishReason = reason
        logger.info("finishing: \(reason)")
    }

    @discardableResult
    func saveCheckpoint() throws -> String { try checkpoints.save(checkpoint()) }

    private func checkpoint() -> Checkpoint {
        let (tensors, random) = algorithm.checkpointState()
        return Checkpoint(
            runID: runID, algo: config.algo, envID: config.env, iteration: UInt64(algorithm.iteration), weights: currentWeights,
            optimizerState: tensors, counters: counters.metrics + [Metric(name: "wall_seconds", value: wallSeconds)],
            runConfig: servedConfig, rngState: random)
    }

    // MARK: control

    /// What a status answer says about training (the server adds the control plane's view).
    func statusMetrics() -> [Metric] {
        counters.metrics + [
            Metric(name: "wall_seconds", value: wallSeconds),
            Metric(name: "iteration", value: Double(algorithm.iteration)),
            Metric(name: "finished", value: finishReason == nil ? 0 : 1),
            Metric(name: "target_return", value: config.targetReturn),
        ] + lastLosses
    }

    /// `summary.json` as the learner knows it (the launcher adds its own counts).
    func summary(network: [Metric]) -> [String: Any] {
        let fields: [String: Any] = [
            "algo": config.algo, "env": config.env, "seed": Int(config.seed), "workers": config.workers, "run_id": runID,
            "wall_seconds": wallSeconds, "env_steps": Int(counters.envSteps), "expert_queries": Int(counters.expertQueries),
            "iterations": algorithm.iteration, "policy_version": Int(version),
            "eval_return_mean": counters.evalReturnMean, "eval_return_std": counters.evalReturnStd,
            "target_return": config.targetReturn, "reached_target": counters.reachedTarget,
            "seconds_to_target": counters.secondsToTarget, "env_steps_to_target": counters.envStepsToTarget,
            "expert_queries_to_target": counters.expertQueriesToTarget, "iterations_to_target": counters.iterationsToTarget,
            "unsafe_events": Int(counters.unsafeEvents), "unsafe_events_to_target": counters.unsafeEventsToTarget,
            "worker_restarts": 0,
            "stale_segments_dropped": Int(counters.staleSegmentsDropped), "segments": Int(counters.segments),
            "finish_reason": finishReason ?? "stopped", "nexus_version": NexusVersion.current,
            // When the run's clock started (Unix seconds): with seconds_to_target, when the
            // target was reached, for timing from a launch.
            "started_unix_seconds": Date().timeIntervalSince1970 - wallSeconds,
        ]
        let counts = Dictionary(network.map { ($0.name, Int($0.value)) }) { first, _ in first }
        return fields.merging(counts) { runs, _ in runs }.merging(algorithm.summaryFields()) { runs, _ in runs }
    }

    func summaryJSON(network: [Metric]) throws -> String { try JSONFile.encode(summary(network: network)) }
}
