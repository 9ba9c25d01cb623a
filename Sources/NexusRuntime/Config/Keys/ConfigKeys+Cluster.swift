import NexusTransport

extension ConfigKeys {
    /// Where the learner and expert listen and workers connect.
    static let endpoints: [ConfigKey] = [
        .key("endpoints.trajectories", \.endpoints.trajectories, .endpoint, "the learner's segment socket (tcp://IP:PORT, ipc://path; port * picks a free one)"),
        .key("endpoints.weights", \.endpoints.weights, .endpoint, "the learner's weights socket"),
        .key("endpoints.control", \.endpoints.control, .endpoint, "the learner's control socket (hello, heartbeats, status, stop)"),
        .key("endpoints.expert", \.endpoints.expert, .endpoint, "the expert's socket"),
        .key("endpoints.advertise", \.endpoints.advertise, "the host workers are told to connect to when the learner binds every interface; empty: the bound address or this host's name"),
    ]

    static let learner: [ConfigKey] = [
        .key("learner.eval_every", \.learner.evalEvery, .atLeast(1), "evaluate every this many iterations"),
        .key("learner.eval_episodes", \.learner.evalEpisodes, .from(1, to: 10_000), "deterministic episodes per evaluation"),
        .key("learner.eval_seed", \.learner.evalSeed, "the evaluation episodes' seed (the same episodes every evaluation)"),
        .key("learner.checkpoint_every", \.learner.checkpointEvery, .atLeast(1), "write a checkpoint every this many iterations"),
        .key("learner.keep_checkpoints", \.learner.keepCheckpoints, .atLeast(1), "numbered checkpoints kept (latest and best are kept besides)"),
        .key("learner.worker_timeout_seconds", \.learner.workerTimeoutSeconds, .seconds(), "a worker silent for this long is reported gone"),
        .key("learner.segment_queue", \.learner.segmentQueue, .atLeast(1), "segments queued in the learner before senders wait"),
    ]

    static let worker: [ConfigKey] = [
        .key("worker.envs", \.worker.envs, .from(1, to: 4096), "environment copies each worker steps together"),
        .key("worker.segment_steps", \.worker.segmentSteps, .from(1, to: 10_000), "steps per copy in one trajectory segment"),
        .key("worker.steps_per_version", \.worker.stepsPerVersion, .atLeast(0, " (0: a share of training.samples_per_iteration)"),
             "env steps a worker collects with one policy version before it waits for the next (where the expert drives fixed copies, their steps); 0: its share of training.samples_per_iteration (under MEGA-DAgger's gated plans, of its env steps per iteration)"),
        .key("worker.version_wait_seconds", \.worker.versionWaitSeconds, .secondsOrZero(), "how long a worker waits for the next version; 0: never waits"),
        .key("worker.query_version_wait_seconds", \.worker.queryVersionWaitSeconds, .secondsOrZero(),
             "the same wait under a plan that asks the expert (the learner asks for more data sooner when it needs it)"),
        .key("worker.heartbeat_seconds", \.worker.heartbeatSeconds, .seconds(), "between a worker's heartbeats"),
        .key("worker.expert_timeout_seconds", \.worker.expertTimeoutSeconds, .seconds(), "a query without an answer after this long is sent again"),
        .key("worker.retry_initial_seconds", \.worker.retryInitialSeconds, .seconds(), "first wait before asking the expert again"),
        .key("worker.retry_max_seconds", \.worker.retryMaxSeconds, .seconds(), "longest wait between attempts"),
        .key("worker.join_refused_seconds", \.worker.joinRefusedSeconds, .seconds(),
             "a worker whose id another live worker holds says hello again for this long, then exits with the reason"),
        .key("worker.env_timeout_seconds", \.worker.envTimeoutSeconds, .seconds(), "a gym: environment's step or reset without a reply after this long is a failure"),
    ]

    static let expert: [ConfigKey] = [
        .key("expert.max_batch", \.expert.maxBatch, .atLeast(1), "most states answered in one batch"),
        .key("expert.max_wait_milliseconds", \.expert.maxWaitMilliseconds, Rule("must be from 0 to 60000") { $0 >= 0 && $0 <= 60_000 },
             "how long a batch's first query waits for others; 0: answer what has arrived at once"),
        .key("expert.policy", \.expert.policy, "a checkpoint whose policy serves as the expert (any algorithm's); empty: the environment's built-in expert"),
        .key("expert.python", \.expert.python, "a Python expert: MODULE:CALLABLE or sb3:PATH.zip (pip install ./python); empty: built-in (or expert.policy)"),
        .key("expert.imperfection", \.expert.imperfection, "this expert's flaw: noise=0.5, bias=0.8 or blind=DIM:LOW:HIGH; empty: none"),
        .key("expert.imperfections", \.expert.imperfections, "one expert process per entry, each with that flaw; workers fuse their labels"),
        .key("expert.endpoints", \.expert.endpoints, "the experts a worker asks (the launcher sets it from imperfections); empty: endpoints.expert"),
    ]

    static let security: [ConfigKey] = [
        .choice("security.mode", \.security.mode, "CurveZMQ: auto on every endpoint that may cross a network (not loopback), curve everywhere, none nowhere"),
        .key("security.keys", \.security.keys, "the directory nexus keys generate wrote; nexus train makes one in the run directory when needed"),
    ]

    static let launcher: [ConfigKey] = [
        .key("launcher.max_worker_restarts", \.launcher.maxWorkerRestarts, .atLeast(0), "restarts of each worker before it is left down (the run fails when every worker it started is)"),
        .key("launcher.max_learner_restarts", \.launcher.maxLearnerRestarts, .atLeast(0), "restarts of the learner (from its newest checkpoint)"),
        .key("launcher.max_expert_restarts", \.launcher.maxExpertRestarts, .atLeast(0), "restarts of each expert"),
        .key("launcher.restart_backoff_seconds", \.launcher.restartBackoffSeconds, .seconds(), "first wait before a restart (doubling)"),
        .key("launcher.progress_seconds", \.launcher.progressSeconds, .seconds(), "between progress lines"),
        .key("launcher.stop_grace_seconds", \.launcher.stopGraceSeconds, .seconds(), "after a stop request, how long processes get before SIGKILL"),
        .key("launcher.silent_heartbeats", \.launcher.silentHeartbeats, Rule("must be from 1.5 to 1000 heartbeat intervals") { (1.5...1000).contains($0) },
             "a worker unheard for this many heartbeat intervals is killed and replaced"),
        .key("launcher.unresponsive_seconds", \.launcher.unresponsiveSeconds, .seconds(), "a learner or expert that has not answered status for this long is restarted"),
    ]

    static let metrics: [ConfigKey] = [
        .key("metrics.port", \.metrics.port, Rule("must be a TCP port (1-65535), or 0 for no endpoint") { (0...65535).contains($0) }, "the learner's Prometheus /metrics port; expert i serves on port + 1 + i; 0: none"),
        .key("metrics.bind", \.metrics.bind, Rule("must be an IPv4 address such as 127.0.0.1 or 0.0.0.0") { bind in
            bind.split(separator: ".").count == 4 && bind.split(separator: ".").allSatisfy { UInt8($0) != nil }
        }, "the address /metrics listens on (0.0.0.0 for a scraper elsewhere: plain, unauthenticated HTTP)"),
    ]
}

extension Rule where Value == String {
    /// `tcp://HOST:PORT` or `ipc://path`.
    static let endpoint = Rule("must be tcp://HOST:PORT or ipc://PATH") { (try? Endpoint(parsing: $0)) != nil }
}
