import NexusEnvironments
import NexusWire

/// Any algorithm's whole loop in one process, without sockets: a vector of environments
/// under the algorithm's rollout plan, the expert called directly for the rows the plan picks,
/// training whenever the algorithm is ready, deterministic evaluation after each iteration.
/// Tests and benchmarks use it to ask "does the algorithm learn" apart from "does the cluster
/// carry it"; it runs exactly the code a worker and the learner run.
public struct InProcessRunner {
    public struct Settings: Sendable {
        public var envID: String
        public var envs = 8
        public var segmentSteps = 32
        public var seed: UInt64 = 0
        public var targetReturn: Double
        public var maxEnvSteps = 1_000_000
        public var evalEpisodes = 20
        public var evalSeed: UInt64 = 1_000_003
        public var evalEvery = 1
        /// Gymnasium's keyword arguments of the environment (training and evaluation alike).
        public var arguments: EnvironmentArguments = .none

        public init(envID: String, targetReturn: Double) {
            self.envID = envID
            self.targetReturn = targetReturn
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
        public var lastMetrics: [Metric] = []
    }

    public let settings: Settings
    public let expert: (any Expert)?

    public init(settings: Settings, expert: (any Expert)?) {
        self.settings = settings
        self.expert = expert
    }

    /// Runs until the evaluation return reaches the target or `maxEnvSteps` were taken.
    /// `onIteration` sees each iteration's outcome so far (progress, curves).
    public func run(_ algorithm: any ImitationAlgorithm, onIteration: (Outcome) -> Void = { _ in }) throws -> Outcome {
        let clock = ContinuousClock(), started = clock.now
        var outcome = Outcome()
        var collector = try RolloutCollectors.make(
            envID: settings.envID, envCount: settings.envs, segmentSteps: settings.segmentSteps, workerID: 1, seed: settings.seed &+ 1,
            arguments: settings.arguments)
        let actionDim = collector.actionDim
        let spec = try EnvironmentRegistry.type(for: settings.envID).spec
        var gate: QueryGate?
        var gateVersion = -1
        while outcome.envSteps < settings.maxEnvSteps {
            let plan = algorithm.rolloutPlan
            if gateVersion != algorithm.iteration {
                // As a worker does on new weights: the gate is rebuilt from the published models.
                gate = try QueryGate.make(plan: plan, models: algorithm.models(), spec: spec)
                gateVersion = algorithm.iteration
            }
            let stepStarted = clock.now
            let segments = try collector.step(policy: algorithm.policy, policyVersion: UInt64(algorithm.iteration), plan: plan, gate: gate) { rows, observations in
                guard let expert else { throw RunnerError.noExpert(algorithm: algorithm.name) }
                outcome.expertQueries += rows.count
                return expert.act(batch: observations, rows: rows.count, actionDim: actionDim)
            }
            outcome.envSteps += collector.envCount
            for segment in segments {
                outcome.unsafeEvents += segment.unsafeEvents
                _ = algorithm.ingest(segment)
            }
            outcome.rolloutSeconds += (clock.now - stepStarted) / .seconds(1)
            guard algorithm.readyToTrain else { continue }
            let trainingStarted = clock.now
            outcome.lastMetrics = algorithm.trainIteration()
            outcome.iterations = algorithm.iteration
            let wanted = algorithm.statesToLabel()
            if !wanted.isEmpty, let expert {
                let rows = wanted.count / collector.observationDim
                outcome.expertQueries += rows
                algorithm.ingestLabels(observations: wanted, labels: expert.act(batch: wanted, rows: rows, actionDim: actionDim))
            }
            let evaluationStarted = clock.now
            outcome.trainingSeconds += (evaluationStarted - trainingStarted) / .seconds(1)
            if algorithm.iteration % settings.evalEvery == 0 {
                outcome.evalReturn = try PolicyEvaluation.run(
                    algorithm.policy, envID: settings.envID, episodes: settings.evalEpisodes, seed: settings.evalSeed, arguments: settings.arguments).meanReturn
            }
            outcome.evaluationSeconds += (clock.now - evaluationStarted) / .seconds(1)
            outcome.seconds = (clock.now - started) / .seconds(1)
            onIteration(outcome)
            if outcome.evalReturn >= settings.targetReturn {
                outcome.envStepsToTarget = outcome.envSteps
                outcome.secondsToTarget = outcome.seconds
                break
            }
        }
        outcome.seconds = (clock.now - started) / .seconds(1)
        return outcome
    }
}

public enum RunnerError: Error, Equatable, CustomStringConvertible {
    case noExpert(algorithm: String)

    public var description: String {
        switch self {
        case .noExpert(let algorithm): return "\(algorithm)'s rollout plan asks for an expert, and none was given"
        }
    }
}
