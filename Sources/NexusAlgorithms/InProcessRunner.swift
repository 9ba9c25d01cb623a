import NexusEnvironments
import NexusWire

/// Any algorithm's whole loop in one process, without sockets, built from the parts the
/// cluster runs: one worker's `WorkerCore` and collector (its policy, plan and gate installed
/// from published weights, `InstalledPolicy`), the learner's `LearnerCore` (ingest, publish,
/// evaluate, the target and the limits), the expert called directly for the rows the plan
/// picks. Where the worker would wait for the next version, the learner takes its turn; if it
/// has nothing to train on, the wait runs out on a clock of the runner's own. Tests and
/// benchmarks use it to ask "does the algorithm learn" apart from "does the cluster carry
/// it"; with one worker that waits for each version, a cluster run trains on exactly the
/// same data and ends with bit-identical weights (`InProcessEquivalenceTests`).
public struct InProcessRunner {
    public struct Settings: Sendable {
        public var envID: String
        public var envs = 8
        public var segmentSteps = 32
        /// The run's seed; the collector's is derived from it as worker 1's (`WorkerSeed`).
        public var seed: UInt64 = 0
        public var targetReturn: Double
        public var stopAtTarget = true
        public var maxEnvSteps = 1_000_000
        public var iterationLimit = Int.max
        public var evalEpisodes = 20
        public var evalSeed: UInt64 = 1_000_003
        public var evalEvery = 1
        /// The worker's share of one policy version (0: it never waits) and its longest wait.
        public var stepsPerVersion = 0
        /// Under gated plans (nil: `stepsPerVersion`).
        public var stepsPerGatedVersion: Int?
        public var versionWaitSeconds = 0.5
        /// Segments more than this many versions old are dropped (on-policy algorithms).
        public var maxPolicyLag = Int.max
        /// Gymnasium's keyword arguments of the environment (training and evaluation alike).
        public var arguments: EnvironmentArguments = .none

        public init(envID: String, targetReturn: Double) {
            self.envID = envID
            self.targetReturn = targetReturn
        }

        func learner(usesWorkers: Bool) -> LearnerCore.Settings {
            var learner = LearnerCore.Settings()
            learner.evalEvery = evalEvery
            learner.checkpointEvery = .max
            learner.targetReturn = targetReturn
            learner.stopAtTarget = stopAtTarget
            learner.maxSeconds = .infinity
            learner.iterationLimit = iterationLimit
            learner.maxPolicyLag = maxPolicyLag
            learner.usesWorkers = usesWorkers
            return learner
        }
    }

    public struct Outcome: Sendable {
        public var iterations = 0
        public var envSteps = 0
        public var expertQueries = 0
        public var unsafeEvents = 0
        public var evalReturn = -Double.infinity
        public var reachedTarget: Bool { envStepsToTarget != nil }
        public var envStepsToTarget: Int?
        public var secondsToTarget: Double?
        public var seconds = 0.0
        /// Where the time went: stepping and acting, training updates, evaluation.
        public var rolloutSeconds = 0.0
        public var trainingSeconds = 0.0
        public var evaluationSeconds = 0.0
        /// The last iteration's losses (with `update_seconds` and `eval_seconds`).
        public var lastMetrics: [Metric] = []
    }

    public let settings: Settings
    public let expert: (any Expert)?

    public init(settings: Settings, expert: (any Expert)?) {
        self.settings = settings
        self.expert = expert
    }

    /// Runs until the evaluation return reaches the target (if `stopAtTarget`), the
    /// iteration limit, or `maxEnvSteps` were taken. `onIteration` sees each iteration's
    /// outcome so far (progress, curves).
    public func run(_ algorithm: any ImitationAlgorithm, onIteration: (Outcome) -> Void = { _ in }) throws -> Outcome {
        var session = try Session(settings: settings, expert: expert, algorithm: algorithm)
        return try session.run(onIteration: onIteration)
    }
}

/// One run's state: the two cores, the collector, the published and installed weights.
private struct Session {
    let settings: InProcessRunner.Settings
    let expert: (any Expert)?
    let algorithm: any ImitationAlgorithm
    let spec: EnvironmentSpec
    var collector: any LocalRolloutCollecting
    var learner: LearnerCore
    var worker: WorkerCore
    var published: Weights
    var installed: InstalledPolicy?
    var outcome = InProcessRunner.Outcome()
    /// Seconds the worker spent waiting for a version that did not come (the runner's clock
    /// is the wall clock plus these).
    var waited = 0.0
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant

    init(settings: InProcessRunner.Settings, expert: (any Expert)?, algorithm: any ImitationAlgorithm) throws {
        (self.settings, self.expert, self.algorithm) = (settings, expert, algorithm)
        spec = try EnvironmentRegistry.type(for: settings.envID).spec
        collector = try RolloutCollectors.make(
            envID: settings.envID, envCount: settings.envs, segmentSteps: settings.segmentSteps, workerID: 1,
            seed: WorkerSeed.collector(runSeed: settings.seed, workerID: 1), arguments: settings.arguments)
        learner = LearnerCore(settings: settings.learner(usesWorkers: algorithm.usesWorkers), iteration: algorithm.iteration)
        worker = WorkerCore(
            stepsPerVersion: settings.stepsPerVersion, stepsPerGatedVersion: settings.stepsPerGatedVersion, versionWaitSeconds: settings.versionWaitSeconds)
        published = Weights(version: learner.version, runID: "in-process", models: algorithm.models())
        started = clock.now
    }

    var wallSeconds: Double { (clock.now - started) / .seconds(1) }

    mutating func run(onIteration: (InProcessRunner.Outcome) -> Void) throws -> InProcessRunner.Outcome {
        while learner.isRunning, collector.envSteps < UInt64(settings.maxEnvSteps) {
            let offered = published.version != worker.installed?.version ? published : nil
            switch worker.next(offered: offered, now: wallSeconds + waited) {
            case .install(let weights):
                // In one process, weights that do not fit are a bug: no other version will come.
                installed = try InstalledPolicy(weights, spec: spec)
                worker.installed(weights)
            case .awaitFirstWeights:
                preconditionFailure("the runner publishes its first weights before it steps")
            case .awaitNextVersion(let seconds):
                if try !trainIfReady(onIteration: onIteration) { waited += seconds }
            case .step(let version):
                try step(version: version)
                _ = try trainIfReady(onIteration: onIteration)
            }
        }
        outcome.seconds = wallSeconds
        return outcome
    }

    /// One step of every copy with the installed policy; completed segments go to the learner.
    mutating func step(version: UInt64) throws {
        guard let installed else { preconditionFailure("a step before weights were installed") }
        let stepStarted = clock.now
        let actionDim = collector.actionDim
        let (expert, algorithm) = (self.expert, self.algorithm)
        let segments = try collector.step(policy: installed.policy, policyVersion: version, plan: installed.plan, gate: installed.gate) { rows, observations in
            guard let expert else { throw RunnerError.noExpert(algorithm: algorithm.name) }
            return expert.act(batch: observations, rows: rows.count, actionDim: actionDim)
        }
        worker.stepped(copies: collector.envCount, plan: installed.plan)
        for segment in segments {
            if learner.handle(.arrived(segment), wallSeconds: wallSeconds) == [.ingest] { _ = algorithm.ingest(segment) }
        }
        outcome.rolloutSeconds += (clock.now - stepStarted) / .seconds(1)
    }

    /// As the cluster's learner: an iteration if the algorithm is ready, its weights
    /// published, its evaluation and row, then the states it wants labelled.
    mutating func trainIfReady(onIteration: (InProcessRunner.Outcome) -> Void) throws -> Bool {
        guard learner.isRunning, algorithm.readyToTrain else { return false }
        learner.training()
        let trainingStarted = clock.now
        var losses = algorithm.trainIteration()
        let trained = (clock.now - trainingStarted) / .seconds(1)
        outcome.trainingSeconds += trained
        losses.append(Metric(name: "update_seconds", value: trained))
        var directives = learner.handle(.trained(iteration: algorithm.iteration, losses: losses), wallSeconds: wallSeconds)
        while !directives.isEmpty {
            switch directives.removeFirst() {
            case .publish(let version):
                published = Weights(version: version, runID: published.runID, models: algorithm.models())
            case .evaluate:
                let evaluationStarted = clock.now
                let summary = try PolicyEvaluation.run(
                    algorithm.policy, envID: settings.envID, episodes: settings.evalEpisodes, seed: settings.evalSeed, arguments: settings.arguments)
                let seconds = (clock.now - evaluationStarted) / .seconds(1)
                outcome.evaluationSeconds += seconds
                directives += learner.handle(.evaluated(summary, seconds: seconds), wallSeconds: wallSeconds)
            case .record(let record):
                outcome.lastMetrics = record.losses
            case .ingest, .checkpoint, .saveBest, .finish:
                break
            }
        }
        try labelWantedStates()
        let counters = learner.counters
        outcome.iterations = learner.iteration
        (outcome.envSteps, outcome.expertQueries, outcome.unsafeEvents) = (Int(counters.envSteps), Int(counters.expertQueries), Int(counters.unsafeEvents))
        if !counters.evalReturnMean.isNaN { outcome.evalReturn = counters.evalReturnMean }
        if counters.reachedTarget {
            outcome.envStepsToTarget = Int(counters.envStepsToTarget)
            outcome.secondsToTarget = counters.secondsToTarget
        }
        outcome.seconds = wallSeconds
        onIteration(outcome)
        return true
    }

    /// The states the algorithm wants labelled after an iteration (MEGA-DAgger's imagined ones).
    mutating func labelWantedStates() throws {
        let wanted = learner.isRunning ? algorithm.statesToLabel() : []
        guard !wanted.isEmpty else { return }
        guard let expert else { throw RunnerError.noExpert(algorithm: algorithm.name) }
        let rows = wanted.count / spec.observationDim
        _ = learner.handle(.labelled(answers: rows), wallSeconds: wallSeconds)
        algorithm.ingestLabels(observations: wanted, labels: expert.act(batch: wanted, rows: rows, actionDim: spec.actionSpace.dimension))
    }
}

/// How a worker seeds its collector from the run's seed: each worker its own stream.
public enum WorkerSeed {
    public static func collector(runSeed: UInt64, workerID: UInt32) -> UInt64 { runSeed &* 6_364_136_223_846_793_005 &+ UInt64(workerID) }
}

public enum RunnerError: Error, Equatable, CustomStringConvertible {
    case noExpert(algorithm: String)

    public var description: String {
        switch self {
        case .noExpert(let algorithm): return "\(algorithm)'s rollout plan asks for an expert, and none was given"
        }
    }
}
