import NexusAlgorithms
import NexusEnvironments
import NexusNN

/// Every setting of a run. In files and `--set` overrides keys are snake_case
/// (`policy.learning_rate`); a missing key takes its default, an unknown one is an error.
public struct RunConfig: Codable, Sendable, Equatable {
    public var algo = "dagger"
    public var env = "CartPole-v1"
    /// Gymnasium's keyword arguments of the environment (`g: 12` for Pendulum-v1), for
    /// training, evaluation and every worker alike.
    public var envKwargs: [String: String] = [:]
    /// Where a `gym:` environment is unsafe: bounds `obs[I] < V` / `obs[I] > V`, any of them
    /// crossed (MEGA-DAgger's lookahead and the unsafe-event counts; see `UnsafeRegion`).
    public var unsafeRegion: [String] = []
    public var seed: UInt64 = 0
    public var workers = 4
    /// Stop after this long (seconds), target reached or not.
    public var maxSeconds = 600.0
    /// Stop once the workers have collected this many env steps (Stable-Baselines3's
    /// `total_timesteps`); 0: no such budget.
    public var totalEnvSteps: UInt64 = 0
    /// Stop when the deterministic evaluation's mean return reaches this; defaults to the
    /// environment's threshold.
    public var targetReturn = 475.0
    public var stopAtTarget = true

    /// The value `targetReturn` takes for a `gym:` environment whose registry names no
    /// threshold (and none was set): no return counts as solved.
    public static let noTarget = Double.greatestFiniteMagnitude

    /// Whether some return counts as solved (see `noTarget`).
    public static func hasTarget(_ targetReturn: Double) -> Bool { targetReturn.isFinite && targetReturn < noTarget }
    /// Demonstration file (`nexus demos record`): required by bc, gail and airl; dagger may
    /// start from one.
    public var demos = ""
    /// The Python interpreter of Python experts (`expert.python`): a path, or a name found on
    /// `PATH`. Its processes inherit this process's environment (`PYTHONPATH`, a venv's `PATH`).
    public var python = "python3"
    // The algorithms' sections are their settings types as the algorithms read them
    // (NexusAlgorithms/Settings): no copy, no mapping.
    public var policy = PolicySettings()
    public var training = TrainingSettings()
    public var dagger = DAggerSettings()
    public var bc = BCSettings()
    public var ppo = PPOSettings()
    /// gail's and airl's discriminator (their generator is `ppo`).
    public var adversarial = AdversarialSettings()
    /// mega-dagger's world model and gate (the policy learns as dagger's: `policy`,
    /// `training`, `dagger`): the algorithm's own settings, as they are.
    public var mega = MegaDAggerSettings()
    public var endpoints = Endpoints()
    public var learner = LearnerSettings()
    public var worker = WorkerSettings()
    public var expert = ExpertSettings()
    public var launcher = LauncherSettings()
    public var security = SecuritySettings()
    public var metrics = MetricsSettings()

    public struct BCSettings: Codable, Sendable, Equatable {
        public init() {}
        public var iterations = 20
    }

    /// Where the learner and expert listen and workers connect: `tcp://IP:PORT` (the IP of
    /// the machine that binds), `ipc://path`. Port `*` picks a free one (the local launcher).
    public struct Endpoints: Codable, Sendable, Equatable {
        public init() {}
        public var trajectories = "tcp://127.0.0.1:5555"
        public var weights = "tcp://127.0.0.1:5556"
        public var control = "tcp://127.0.0.1:5557"
        public var expert = "tcp://127.0.0.1:5560"
        /// The host workers are told to connect to (`--advertise`), when the learner or expert
        /// binds every interface (`tcp://0.0.0.0:P`): never advertise 0.0.0.0. Empty: the
        /// bound address, or this machine's host name for 0.0.0.0.
        public var advertise = ""
    }

    public struct LearnerSettings: Codable, Sendable, Equatable {
        public init() {}
        public var evalEvery = 1
        public var evalEpisodes = 20
        public var evalSeed: UInt64 = 1_000_003
        public var checkpointEvery = 5
        public var keepCheckpoints = 3
        /// A worker silent for this long is reported gone.
        public var workerTimeoutSeconds = 5.0
        public var segmentQueue = 1024
    }

    public struct WorkerSettings: Codable, Sendable, Equatable {
        public init() {}
        public var envs = 8
        public var segmentSteps = 8
        /// Env steps a worker collects with one policy version before it waits (at most
        /// `version_wait_seconds`, 0: never) for the next: keeps DAgger's iterations on-policy
        /// and its expert queries few. 0: its share of training.samples_per_iteration.
        public var stepsPerVersion = 0
        public var versionWaitSeconds = 0.5
        /// The same wait under a plan that asks the expert (DAgger, MEGA-DAgger): a share
        /// collected with an old plan spends queries on it. The learner asks for another share
        /// sooner (after `version_wait_seconds` without a segment) when it needs one; this bounds
        /// the wait for a learner that is gone.
        public var queryVersionWaitSeconds = 10.0
        public var heartbeatSeconds = 1.0
        /// A query without an answer after this long is sent again.
        public var expertTimeoutSeconds = 2.0
        public var retryInitialSeconds = 0.1
        public var retryMaxSeconds = 2.0
        /// A worker whose id the learner refuses (another live worker holds it) says hello
        /// again for this long, then exits with the reason. Longer than the learner holds a
        /// dead worker's id (heartbeat_seconds × launcher.silent_heartbeats), so a restart gets in.
        public var joinRefusedSeconds = 20.0
        /// A `gym:` environment's step or reset without a reply after this long is a failure
        /// (the server is restarted and the copies' episodes are cut).
        public var envTimeoutSeconds = 30.0
    }

    public struct ExpertSettings: Codable, Sendable, Equatable {
        public init() {}
        /// Most states answered in one batch.
        public var maxBatch = 1024
        /// How long the first query of a batch waits for others to join it. 0: answer what
        /// has arrived at once (batches still form while the expert computes).
        public var maxWaitMilliseconds = 0.0
        /// A checkpoint whose policy serves as the expert (any algorithm's, e.g. a PPO run's);
        /// empty: the environment's built-in expert.
        public var policy = ""
        /// A Python expert served by `python -m nexusrl expert` (the `nexusrl` package,
        /// `pip install ./python`): `MODULE:CALLABLE` (observations `[N, obs_dim]` in, actions
        /// `[N, act_dim]` or indices `[N]` out) or `sb3:PATH.zip` (a Stable-Baselines3 model);
        /// empty: the built-in expert (or `policy`).
        public var python = ""
        /// This expert process's flaw (`noise=0.5`, `bias=0.8`, `blind=DIM:LOW:HIGH`; see
        /// `Imperfection`); empty: none.
        public var imperfection = ""
        /// The launcher starts one expert process per entry, each with that imperfection;
        /// workers ask them all and fuse their labels. Empty: one expert, `imperfection`.
        public var imperfections: [String] = []
        /// The experts a worker asks (set by the launcher from `imperfections`); empty: the
        /// one at `endpoints.expert`.
        public var endpoints: [String] = []
    }

    /// CurveZMQ between processes (docs/SECURITY.md).
    public struct SecuritySettings: Codable, Sendable, Equatable {
        public init() {}
        /// auto: CURVE on every endpoint that may cross a network (tcp on a non-loopback
        /// host), plain on loopback; curve: everywhere; none: nowhere.
        public enum Mode: String, Codable, Sendable, CaseIterable { case auto, curve, none }
        public var mode = Mode.auto
        /// The directory `nexus keys generate` wrote (server.key, server.pub, client.key,
        /// allowed_clients). `nexus train` generates one in the run directory when it needs
        /// keys and none is given.
        public var keys = ""
    }

    public struct LauncherSettings: Codable, Sendable, Equatable {
        public init() {}
        /// Restarts of each worker, of the learner and of each expert (each its own budget: a
        /// run whose workers crashed a few times can still lose its learner).
        public var maxWorkerRestarts = 10
        public var maxLearnerRestarts = 10
        public var maxExpertRestarts = 10
        public var restartBackoffSeconds = 0.2
        public var progressSeconds = 0.5
        /// After a stop request, how long processes get before SIGKILL.
        public var stopGraceSeconds = 8.0
        /// A worker process the learner has not heard for this many heartbeat intervals
        /// (`worker.heartbeat_seconds`) is stopped or wedged: it is killed and replaced.
        public var silentHeartbeats = 2.5
        /// A learner or expert that has not answered status for this long (or whose training
        /// loop has not refreshed it) is killed and restarted.
        public var unresponsiveSeconds = 30.0
    }

    /// Prometheus's `/metrics` over HTTP (docs/OPERATIONS.md).
    public struct MetricsSettings: Codable, Sendable, Equatable {
        public init() {}
        /// The learner's port; expert `i` (from 0) serves on `port + 1 + i`. 0: no endpoint.
        public var port = 0
        /// The IPv4 address to listen on: loopback by default; 0.0.0.0 for a scraper on
        /// another machine (the numbers are plain HTTP, unauthenticated).
        public var bind = "127.0.0.1"

        /// The port of expert `index`, 0 when there is no endpoint.
        public func expertPort(_ index: Int) -> Int { port == 0 ? 0 : port + 1 + index }
    }

    public init() {}

    /// A worker's quota per policy version: whole rounds of segments (envs × segment_steps),
    /// at least its share of an iteration's samples.
    public var workerStepsPerVersion: Int { workerShare(of: training.samplesPerIteration) }

    /// The quota under MEGA-DAgger's gated plans (after its first iteration): its iterations
    /// are `mega.steps_per_iteration` env steps, whatever is labelled.
    public var workerStepsPerGatedVersion: Int { workerShare(of: mega.stepsPerIteration) }

    private func workerShare(of iteration: Int) -> Int {
        let round = worker.envs * worker.segmentSteps
        let wanted = worker.stepsPerVersion > 0 ? worker.stepsPerVersion : (iteration + workers - 1) / workers
        return (wanted + round - 1) / round * round
    }

    /// The defaults for environment `env`: its solved threshold as the target, then the
    /// algorithm's own defaults (tuned per environment, split over `workers`).
    public static func defaults(for env: String, algo: String? = nil, workers: Int? = nil) -> RunConfig {
        var config = RunConfig()
        config.env = env
        if let algo { config.algo = algo }
        if let workers { config.workers = workers }
        config.targetReturn = Self.threshold(for: env) ?? config.targetReturn
        (try? AlgorithmRegistry.builder(named: config.algo))?.applyDefaults(to: &config)
        return config
    }

    /// The environment's spec: Nexus's own, or a `gym:` environment's as Python describes it
    /// (asked once per process).
    public var environmentSpec: EnvironmentSpec {
        get throws {
            if GymEnvironmentID.isGym(env) {
                do { return try GymEnvironments.spec(env, kwargs: envKwargs, python: python) } catch let error as RuntimeError { throw ConfigError(error.description) }
            }
            return try EnvironmentRegistry.type(for: env).spec
        }
    }

    /// `env_kwargs` as checked environment arguments (a `gym:` environment takes them as
    /// text, in `envKwargs`: none here).
    public var environmentArguments: EnvironmentArguments {
        get throws {
            if GymEnvironmentID.isGym(env) { return .none }
            do {
                let arguments = try EnvironmentArguments.parse(envKwargs)
                try arguments.check(for: try EnvironmentRegistry.type(for: env).spec)
                return arguments
            } catch let error as EnvironmentError {
                throw ConfigError("config key \"env_kwargs\": \(error.description)")
            }
        }
    }

    /// The algorithm this configuration names.
    public var algorithm: any AlgorithmBuilder {
        get throws { try AlgorithmRegistry.builder(named: algo) }
    }

    /// The returns the project calls solved: Gymnasium's registry threshold where it has one,
    /// else the usual published bar (Pendulum-v1 has none: −200).
    public static func threshold(for env: String) -> Double? {
        if env == Pendulum.spec.id { return -200 }
        return (try? EnvironmentRegistry.type(for: env))?.spec.rewardThreshold
    }
}
