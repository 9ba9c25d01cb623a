/// Messages on the control channel: joining, liveness, status and shutdown.
public enum ControlMessage: Sendable, Equatable {
    case hello(Hello)
    case welcome(Welcome)
    case heartbeat(Heartbeat)
    case statusRequest
    case status(Status)
    case stop(reason: String)
    /// The learner waits for data and none comes: a worker waiting after its share of
    /// `policyVersion` collects another (`WorkerCore.learnerWantsMore`).
    case moreData(policyVersion: UInt64)

    public struct Hello: Sendable, Equatable {
        public var workerID: UInt32
        public var host: String
        public var pid: UInt32
        public var numEnvs: UInt32
        public var nexusVersion: String

        public init(workerID: UInt32, host: String, pid: UInt32, numEnvs: UInt32, nexusVersion: String) {
            self.workerID = workerID
            self.host = host
            self.pid = pid
            self.numEnvs = numEnvs
            self.nexusVersion = nexusVersion
        }
    }

    public struct Welcome: Sendable, Equatable {
        public var workerID: UInt32
        public var runID: String
        public var runConfig: String
        public var weights: Weights?
        /// Non-empty: the hello is refused, and why (the other fields are empty).
        public var refused: String

        public init(workerID: UInt32, runID: String, runConfig: String, weights: Weights?, refused: String = "") {
            self.workerID = workerID
            self.runID = runID
            self.runConfig = runConfig
            self.weights = weights
            self.refused = refused
        }

        /// A refusal of worker `workerID`'s hello.
        public static func refusal(workerID: UInt32, runID: String, reason: String) -> Welcome {
            Welcome(workerID: workerID, runID: runID, runConfig: "", weights: nil, refused: reason)
        }
    }

    public struct Heartbeat: Sendable, Equatable {
        public var workerID: UInt32
        public var sequence: UInt64
        public var envSteps: UInt64
        public var policyVersion: UInt64
        /// This worker process's failed environment steps so far (a `gym:` environment's).
        public var envFailures: UInt64
        /// This worker process's expert queries asked again so far (an error answer, or none in time).
        public var expertRetries: UInt64

        public init(workerID: UInt32, sequence: UInt64, envSteps: UInt64, policyVersion: UInt64, envFailures: UInt64 = 0, expertRetries: UInt64 = 0) {
            self.workerID = workerID
            self.sequence = sequence
            self.envSteps = envSteps
            self.policyVersion = policyVersion
            self.envFailures = envFailures
            self.expertRetries = expertRetries
        }
    }

    public struct Status: Sendable, Equatable {
        public var role: String
        public var runID: String
        public var policyVersion: UInt64
        public var metrics: [Metric]

        public init(role: String, runID: String, policyVersion: UInt64, metrics: [Metric]) {
            self.role = role
            self.runID = runID
            self.policyVersion = policyVersion
            self.metrics = metrics
        }

        public subscript(metric name: String) -> Double? { metrics.first { $0.name == name }?.value }
    }

    public func validate(limits: WireLimits = .default) throws {
        switch self {
        case .welcome(let welcome): try welcome.weights?.validate(limits: limits)
        case .status(let status):
            guard status.metrics.count <= limits.maxRepeatedMessages else {
                throw WireError.limitExceeded(field: "control.status.metrics", value: status.metrics.count, limit: limits.maxRepeatedMessages)
            }
        case .hello, .heartbeat, .statusRequest, .stop, .moreData: break
        }
    }
}

/// A named number: status metrics and checkpoint counters. NaN is allowed (not yet measured).
public struct Metric: Sendable, Equatable {
    public var name: String
    public var value: Double

    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }

    public static func == (lhs: Metric, rhs: Metric) -> Bool {
        lhs.name == rhs.name && lhs.value.bitPattern == rhs.value.bitPattern
    }
}
