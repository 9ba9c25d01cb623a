import CoreMetrics
import Foundation
import Logging
import NexusAlgorithms
import NexusEnvironments
import NexusTransport
import NexusWire

/// The learner's shell around `LearnerCore`: the algorithm, the run directory's files and
/// the evaluator, owned by one actor. Segments reach it through `inbox` (the receiving loop
/// never waits for training); the training loop, on a thread of its own (`LearnerServer`),
/// takes them in, trains, and carries out the core's directives.
actor Learner {
    let config: RunConfig
    let runID: String
    let spec: EnvironmentSpec
    /// Segments (and wrong-kind messages) from the trajectory socket, taken between iterations.
    nonisolated let inbox: SegmentInbox
    private var core: LearnerCore
    private let evaluator: PolicyEvaluator
    private let algorithm: any ImitationAlgorithm
    private let logger: Logger
    private let run: RunDirectory
    private let metricsLog: MetricsLog
    private let tensorBoard: TensorBoardLog
    /// Distributions for Prometheus (the totals are mirrored from the status, `MetricsMirror`).
    private let policyLagHistogram = Recorder(label: "nexus_learner_segment_policy_lag")
    private let segmentStepsHistogram = Recorder(label: "nexus_learner_segment_length_steps")
    private let updateSeconds = Timer(label: "nexus_learner_update_duration_seconds")
    private let checkpoints: CheckpointStore
    private let started = ContinuousClock.now
    private var reservation = VersionReservation()
    private var currentWeights: Weights
    /// The directives of the iteration just trained that follow its publication.
    private var pending: [LearnerCore.Directive] = []
    /// The YAML served to workers: the run's configuration with the endpoints actually bound.
    var servedConfig: String

    init(config: RunConfig, algorithm: sending any ImitationAlgorithm, evaluator: PolicyEvaluator, run: RunDirectory, resume: Bool, logger: Logger) throws {
        self.config = config
        self.algorithm = algorithm
        let builder = try config.algorithm
        self.logger = logger
        self.run = run
        spec = try config.environmentSpec
        self.evaluator = evaluator
        checkpoints = CheckpointStore(directory: run.checkpoints, keep: config.learner.keepCheckpoints)
        servedConfig = try ConfigLoader.yaml(config)
        inbox = SegmentInbox(capacity: config.learner.segmentQueue)
        var counters = LearnerCounters()
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
            counters = LearnerCounters(metrics: checkpoint.counters, counts: checkpoint.counts)
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
        core = LearnerCore(settings: .init(config, builder: builder, usesWorkers: algorithm.usesWorkers), counters: counters, version: first, iteration: algorithm.iteration)
        try Self.reserve(&reservation, toPublish: first, at: run.publishedVersions)
        metricsLog = MetricsLog(path: run.metrics)
        tensorBoard = try TensorBoardLog(directory: run.tensorBoard)
        self.runID = runID
        algorithm.prepare { logger.info("\($0)") }
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
    var wallSeconds: Double { core.wallSeconds(sinceStart: (ContinuousClock.now - started) / .seconds(1)) }
    var finishReason: String? { core.finishReason }

    func setServedConfig(_ yaml: String) { servedConfig = yaml }

    /// Takes in what the trajectory socket delivered, one segment at a time until the
    /// algorithm is ready to train (the rest waits for the next iteration): every segment is
    /// counted, the recent enough go to the algorithm.
    private func takeSegments() {
        while core.isRunning, !algorithm.readyToTrain, let item = inbox.takeNext() {
            guard case .segment(let segment) = item else {
                _ = core.handle(.wrongKind, wallSeconds: wallSeconds)
                continue
            }
            let lag = Double(core.version &- segment.policyVersion)
            guard core.handle(.arrived(segment), wallSeconds: wallSeconds) == [.ingest] else { continue }
            policyLagHistogram.record(lag)
            segmentStepsHistogram.record(Int64(segment.stepCount))
            _ = algorithm.ingest(segment)
        }
    }

    /// States the algorithm wants the expert to label now (none after the end).
    func statesToLabel() -> [Float] { core.isRunning ? algorithm.statesToLabel() : [] }

    /// The expert's labels for them; `answers` (every expert's) count as expert queries.
    func ingestLabels(observations: [Float], labels: [Float], answers: Int) {
        _ = core.handle(.labelled(answers: answers), wallSeconds: wallSeconds)
        algorithm.ingestLabels(observations: observations, labels: labels)
    }

    /// One training iteration if the algorithm has the data for it; returns the new weights
    /// (to be published before `evaluateAndRecord`, so that workers collect meanwhile).
    func trainIfReady() throws -> Weights? {
        takeSegments()
        guard core.isRunning, algorithm.readyToTrain else { return nil }
        core.training()
        let started = ContinuousClock.now
        var losses = algorithm.trainIteration()
        // Where an iteration's time goes: waiting for data is the rest of the wall clock.
        let elapsed = ContinuousClock.now - started
        losses.append(Metric(name: "update_seconds", value: elapsed / .seconds(1)))
        updateSeconds.recordNanoseconds(Int64(elapsed / .nanoseconds(1)))
        var published: Weights?
        for directive in core.handle(.trained(iteration: algorithm.iteration, losses: losses), wallSeconds: wallSeconds) {
            guard case .publish(let version) = directive else {
                pending.append(directive)
                continue
            }
            try Self.reserve(&reservation, toPublish: version, at: run.publishedVersions)
            currentWeights = Weights(version: version, runID: runID, models: algorithm.models())
            published = currentWeights
        }
        return published
    }

    /// After an iteration: carries out what the core decided (evaluation, every `eval_every`;
    /// the metrics row, with the sockets' `network` counters; checkpoints; the end).
    func evaluateAndRecord(network: [Metric]) async throws {
        var directives = pending
        pending = []
        while !directives.isEmpty {
            switch directives.removeFirst() {
            case .evaluate:
                let started = ContinuousClock.now
                let summary = try await evaluator.evaluate(algorithm.policy)
                let reached = core.counters.reachedTarget
                directives += core.handle(.evaluated(summary, seconds: (ContinuousClock.now - started) / .seconds(1)), wallSeconds: wallSeconds)
                if !reached, core.counters.reachedTarget, let summary {
                    logger.info("reached the target return", metadata: ["return": "\(summary.meanReturn)", "target": "\(config.targetReturn)"])
                }
            case .record(let record):
                let row = record.columns(network: network.filter { networkColumns.contains($0.name) })
                try metricsLog.append(row)
                try tensorBoard.append(step: usesWorkers ? Int(record.envSteps) : record.iteration, row)
            case .checkpoint:
                try saveCheckpoint()
            case .saveBest:
                try checkpoints.saveBest(checkpoint())
            case .finish(let reason):
                logger.info("finishing: \(reason)")
            case .publish, .ingest:
                break
            }
        }
    }

    /// The sockets' counts a metrics row carries: env_failures only where there are any to
    /// count (a gym: environment), so the columns of Nexus's own runs stay as they were.
    private var networkColumns: Set<String> {
        GymEnvironmentID.isGym(config.env) ? ["rejected_messages", "env_failures"] : ["rejected_messages"]
    }

    func checkTime() {
        for case .finish(let reason) in core.handle(.tick, wallSeconds: wallSeconds) { logger.info("finishing: \(reason)") }
    }

    func finish(_ reason: String) {
        for case .finish(let reason) in core.handle(.stop(reason: reason), wallSeconds: wallSeconds) { logger.info("finishing: \(reason)") }
    }

    @discardableResult
    func saveCheckpoint() throws -> String { try checkpoints.save(checkpoint()) }

    private func checkpoint() -> Checkpoint {
        let (tensors, random) = algorithm.checkpointState()
        return Checkpoint(
            runID: runID, algo: config.algo, envID: config.env, iteration: UInt64(algorithm.iteration), weights: currentWeights,
            optimizerState: tensors, counters: core.checkpointCounters(wallSeconds: wallSeconds),
            runConfig: servedConfig, rngState: random, counts: core.counters.counts)
    }

    // MARK: control

    /// What a status answer says about training (the server adds the control plane's view).
    func statusMetrics() -> [Metric] { core.statusMetrics(wallSeconds: wallSeconds) }

    /// `summary.json` as the learner knows it: the run's identity, every counter under its
    /// status name (whole numbers as integers), the algorithm's fields, the launcher's restarts.
    func summary(network: [Metric]) -> [String: Any] {
        let counters = core.counters, wallSeconds = self.wallSeconds
        let wholeNumbers = Set(LearnerCounters.countNames + NetworkCounts.names)
        let counted = Dictionary((counters.metrics + network).map { ($0.name, wholeNumbers.contains($0.name) ? Int($0.value) as Any : $0.value as Any) }) { first, _ in first }
        let fields: [String: Any] = [
            "algo": config.algo, "env": config.env, "seed": Int(config.seed), "workers": usesWorkers ? config.workers : 0, "run_id": runID,
            "wall_seconds": wallSeconds, "iterations": core.iteration, "policy_version": Int(core.version),
            // null where nothing counts as solved (a gym: environment without a threshold).
            "target_return": RunConfig.hasTarget(config.targetReturn) ? config.targetReturn as Any : NSNull(), "reached_target": counters.reachedTarget,
            "finish_reason": core.finishReason ?? "stopped", "nexus_version": NexusVersion.current,
            // When the run's clock started (Unix seconds): with seconds_to_target, when the
            // target was reached, for timing from a launch.
            "started_unix_seconds": Date().timeIntervalSince1970 - wallSeconds,
        ]
        return fields.merging(counted) { runs, _ in runs }.merging(algorithm.summaryFields()) { runs, _ in runs }.merging(restarts) { runs, _ in runs }
    }

    /// The restarts the launcher counted (`cluster.json`), 0 for a learner without one.
    private var restarts: [String: Int] {
        let counted = (try? JSONFile.read(run.cluster))?["restarts"] as? [String: Any] ?? [:]
        return Dictionary(uniqueKeysWithValues: Supervisor.Role.kinds.map { ("\($0)_restarts", (counted[$0] as? NSNumber)?.intValue ?? 0) })
    }

    func summaryJSON(network: [Metric]) throws -> String { try JSONFile.encode(summary(network: network)) }
}

extension LearnerCore.Settings {
    /// The learner's rules from the run's configuration and its algorithm.
    init(_ config: RunConfig, builder: any AlgorithmBuilder, usesWorkers: Bool) {
        self.init()
        evalEvery = config.learner.evalEvery
        checkpointEvery = config.learner.checkpointEvery
        targetReturn = config.targetReturn
        stopAtTarget = config.stopAtTarget
        maxSeconds = config.maxSeconds
        totalEnvSteps = config.totalEnvSteps
        iterationLimit = builder.iterationLimit(config)
        maxPolicyLag = builder.maxPolicyLag(config)
        self.usesWorkers = usesWorkers
    }
}
