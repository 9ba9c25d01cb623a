import NexusAlgorithms
import NexusEnvironments
import NexusNN
import NexusTransport
import NexusWire

extension ConfigError {
    /// Throws unless `condition` holds, naming the key, the value and the rule it broke.
    static func require(_ condition: Bool, _ key: String, _ value: Any, _ rule: String) throws {
        guard condition else { throw ConfigError("config key \"\(key)\" = \(value): \(rule)") }
    }
}

extension RunConfig {
    /// The experts a client asks: `expert.endpoints` (several, their labels fused), or the one
    /// at `endpoints.expert`.
    public var expertEndpoints: [String] { expert.endpoints.isEmpty ? [endpoints.expert] : expert.endpoints }

    /// The flaws of the expert processes to start, one process each: `expert.imperfections`,
    /// or the one `expert.imperfection`.
    public var expertImperfections: [String] { expert.imperfections.isEmpty ? [expert.imperfection] : expert.imperfections }

    /// `unsafe_region` parsed, each index checked against `observationDim` when given.
    public func checkedUnsafeRegion(observationDim: Int?) throws -> UnsafeRegion {
        do { return try UnsafeRegion(parsing: unsafeRegion, observationDim: observationDim) } catch let error as EnvironmentError {
            throw ConfigError("config key \"unsafe_region\": \(error.description)")
        }
    }

    /// Checks every value's range; the error names the key, the value and the rule.
    public func validate() throws {
        let require = ConfigError.require
        let algorithm = try self.algorithm
        if let problem = GymEnvironmentID.problem(env) { throw ConfigError("config key \"env\": \(problem)") }
        try require(EnvironmentRegistry.ids.contains(env) || GymEnvironmentID.isGym(env), "env", env,
                    "unknown environment (known: \(EnvironmentRegistry.ids.joined(separator: ", ")); or gym:ID for any Gymnasium environment)")
        _ = try environmentArguments
        if !unsafeRegion.isEmpty {
            try require(GymEnvironmentID.isGym(env), "unsafe_region", unsafeRegion,
                        "is for gym: environments; \(env)'s unsafe region is built in (README's environment table)")
            _ = try checkedUnsafeRegion(observationDim: nil)
        }
        try require((0...65535).contains(metrics.port), "metrics.port", metrics.port, "must be a TCP port (1-65535), or 0 for no endpoint")
        try require(metrics.port == 0 || metrics.port + expertImperfections.count <= 65535, "metrics.port", metrics.port,
                    "leaves no port for the experts (port + 1 + i)")
        try require(metrics.bind.split(separator: ".").count == 4 && metrics.bind.split(separator: ".").allSatisfy { UInt8($0) != nil },
                    "metrics.bind", metrics.bind, "must be an IPv4 address such as 127.0.0.1 or 0.0.0.0")
        try require(["auto", "curve", "none"].contains(security.mode), "security.mode", security.mode, "must be auto, curve or none")
        try require(demos.isEmpty || algorithm.acceptsDemonstrations, "demos", demos, "algo \(algo) does not learn from demonstrations")
        try require((1...256).contains(workers), "workers", workers, "must be from 1 to 256")
        try require(maxSeconds > 0 && maxSeconds.isFinite, "max_seconds", maxSeconds, "must be a positive number")
        try require(totalEnvSteps == 0 || algorithm.requirements.contains(.rolloutWorkers), "total_env_steps", totalEnvSteps,
                    "counts the env steps workers collect; algo \(algo) has no workers (bc.iterations bounds it)")
        try require(targetReturn.isFinite, "target_return", targetReturn, "must be a finite number")

        try require(!policy.hiddenSizes.isEmpty && policy.hiddenSizes.allSatisfy { (1...4096).contains($0) },
            "policy.hidden_sizes", policy.hiddenSizes, "must list layer widths from 1 to 4096")
        try require(["tanh", "relu"].contains(policy.activation), "policy.activation", policy.activation, "must be tanh or relu")
        try require(policy.learningRate > 0 && policy.learningRate <= 1, "policy.learning_rate", policy.learningRate, "must be in (0, 1]")
        try require((1...65536).contains(policy.batchSize), "policy.batch_size", policy.batchSize, "must be from 1 to 65536")

        try require(training.gradientStepsPerIteration >= 1, "training.gradient_steps_per_iteration", training.gradientStepsPerIteration, "must be at least 1")
        try require(training.samplesPerIteration >= 1, "training.samples_per_iteration", training.samplesPerIteration, "must be at least 1")
        try require(training.datasetCapacity >= 1, "training.dataset_capacity", training.datasetCapacity, "must be at least 1")
        try require(training.maxIterations >= 1, "training.max_iterations", training.maxIterations, "must be at least 1")

        try require(["exponential", "linear", "constant"].contains(dagger.betaSchedule), "dagger.beta_schedule", dagger.betaSchedule, "must be exponential, linear or constant")
        try require((0...1).contains(dagger.betaStart), "dagger.beta_start", dagger.betaStart, "must be in [0, 1]")
        try require(dagger.betaDecay > 0 && dagger.betaDecay <= 1, "dagger.beta_decay", dagger.betaDecay, "must be in (0, 1]")
        try require(dagger.betaIterations >= 1, "dagger.beta_iterations", dagger.betaIterations, "must be at least 1")
        try require((0...worker.envs).contains(dagger.firstExpertCopies), "dagger.first_expert_copies", dagger.firstExpertCopies, "must be from 0 to worker.envs (\(worker.envs))")

        try require(bc.iterations >= 1, "bc.iterations", bc.iterations, "must be at least 1")

        if !expert.python.isEmpty {
            try require(expert.policy.isEmpty, "expert.python", expert.python, "serves the expert; leave out expert.policy (\(expert.policy))")
            try require(expert.imperfection.isEmpty && expert.imperfections.isEmpty, "expert.python", expert.python,
                        "is one Python expert; expert.imperfection(s) apply to the built-in one")
            try require(expert.python.hasPrefix("sb3:") ? expert.python.count > 4 : expert.python.split(separator: ":").count == 2,
                        "expert.python", expert.python, "must be MODULE:CALLABLE or sb3:PATH.zip")
        }
        try require(!python.isEmpty && !python.contains("\n"), "python", python, "must name a Python interpreter (a path, or a name on PATH)")

        for (key, text) in [("trajectories", endpoints.trajectories), ("weights", endpoints.weights), ("control", endpoints.control), ("expert", endpoints.expert)] {
            do {
                _ = try Endpoint(parsing: text)
            } catch {
                throw ConfigError("config key \"endpoints.\(key)\" = \(text): \(error)")
            }
        }

        try require(learner.evalEvery >= 1, "learner.eval_every", learner.evalEvery, "must be at least 1")
        try require((1...10_000).contains(learner.evalEpisodes), "learner.eval_episodes", learner.evalEpisodes, "must be from 1 to 10000")
        try require(learner.checkpointEvery >= 1, "learner.checkpoint_every", learner.checkpointEvery, "must be at least 1")
        try require(learner.keepCheckpoints >= 1, "learner.keep_checkpoints", learner.keepCheckpoints, "must be at least 1")
        try require(learner.workerTimeoutSeconds > 0, "learner.worker_timeout_seconds", learner.workerTimeoutSeconds, "must be positive")
        try require(learner.segmentQueue >= 1, "learner.segment_queue", learner.segmentQueue, "must be at least 1")

        try require((1...4096).contains(worker.envs), "worker.envs", worker.envs, "must be from 1 to 4096")
        try require((1...10_000).contains(worker.segmentSteps), "worker.segment_steps", worker.segmentSteps, "must be from 1 to 10000")
        try require(worker.stepsPerVersion >= 0, "worker.steps_per_version", worker.stepsPerVersion, "must not be negative (0: a share of training.samples_per_iteration)")
        try require(worker.versionWaitSeconds >= 0, "worker.version_wait_seconds", worker.versionWaitSeconds, "must not be negative")
        try require(worker.heartbeatSeconds > 0, "worker.heartbeat_seconds", worker.heartbeatSeconds, "must be positive")
        let idHold = worker.heartbeatSeconds * launcher.silentHeartbeats
        try require(worker.joinRefusedSeconds > idHold + 2, "worker.join_refused_seconds", worker.joinRefusedSeconds,
                    "must outlast the learner's hold of a dead worker's id (worker.heartbeat_seconds × launcher.silent_heartbeats = \(idHold) s) by 2 s")
        try require(worker.expertTimeoutSeconds > 0, "worker.expert_timeout_seconds", worker.expertTimeoutSeconds, "must be positive")
        try require(worker.retryInitialSeconds > 0, "worker.retry_initial_seconds", worker.retryInitialSeconds, "must be positive")
        try require(worker.retryMaxSeconds >= worker.retryInitialSeconds, "worker.retry_max_seconds", worker.retryMaxSeconds, "must be at least worker.retry_initial_seconds")

        try require(expert.maxBatch >= 1, "expert.max_batch", expert.maxBatch, "must be at least 1")
        try require(expert.maxWaitMilliseconds >= 0, "expert.max_wait_milliseconds", expert.maxWaitMilliseconds, "must not be negative")

        try require(launcher.maxWorkerRestarts >= 0, "launcher.max_worker_restarts", launcher.maxWorkerRestarts, "must not be negative")
        try require(launcher.maxLearnerRestarts >= 0, "launcher.max_learner_restarts", launcher.maxLearnerRestarts, "must not be negative")
        try require(launcher.maxExpertRestarts >= 0, "launcher.max_expert_restarts", launcher.maxExpertRestarts, "must not be negative")
        try require(launcher.restartBackoffSeconds > 0, "launcher.restart_backoff_seconds", launcher.restartBackoffSeconds, "must be positive")
        try require(launcher.progressSeconds > 0, "launcher.progress_seconds", launcher.progressSeconds, "must be positive")
        try require(launcher.stopGraceSeconds > 0, "launcher.stop_grace_seconds", launcher.stopGraceSeconds, "must be positive")
        try require((1.5...1000).contains(launcher.silentHeartbeats), "launcher.silent_heartbeats", launcher.silentHeartbeats, "must be from 1.5 to 1000 heartbeat intervals")
        try require(launcher.unresponsiveSeconds > 0, "launcher.unresponsive_seconds", launcher.unresponsiveSeconds, "must be positive")

        // Durations become `Duration`s (and products of them) in the roles, where inf or 1e30
        // trapped ("Overflow in multiplication"): bounded here. NaN fails every comparison.
        let day = 86_400.0
        for (key, value, limit) in [
            ("max_seconds", maxSeconds, 1e7), ("learner.worker_timeout_seconds", learner.workerTimeoutSeconds, day),
            ("worker.version_wait_seconds", worker.versionWaitSeconds, day), ("worker.heartbeat_seconds", worker.heartbeatSeconds, day),
            ("worker.join_refused_seconds", worker.joinRefusedSeconds, day),
            ("worker.expert_timeout_seconds", worker.expertTimeoutSeconds, day), ("worker.retry_initial_seconds", worker.retryInitialSeconds, day),
            ("worker.retry_max_seconds", worker.retryMaxSeconds, day), ("launcher.restart_backoff_seconds", launcher.restartBackoffSeconds, day),
            ("launcher.progress_seconds", launcher.progressSeconds, day), ("launcher.stop_grace_seconds", launcher.stopGraceSeconds, day),
            ("launcher.unresponsive_seconds", launcher.unresponsiveSeconds, day),
        ] {
            try require(value <= limit, key, value, "must be at most \(Int(limit)) seconds")
        }
        try require(expert.maxWaitMilliseconds <= 60_000, "expert.max_wait_milliseconds", expert.maxWaitMilliseconds, "must be at most 60000")
        try require(training.samplesPerIteration <= 100_000_000, "training.samples_per_iteration", training.samplesPerIteration, "must be at most 100000000")
        try require(training.datasetCapacity <= 100_000_000, "training.dataset_capacity", training.datasetCapacity, "must be at most 100000000")
        try require(training.gradientStepsPerIteration <= 10_000_000, "training.gradient_steps_per_iteration", training.gradientStepsPerIteration, "must be at most 10000000")
        // The policy travels in one weights message: it must fit the receivers' limit.
        if let spec = try? EnvironmentRegistry.type(for: env).spec {
            let sizes = [spec.observationDim] + policy.hiddenSizes + [spec.actionSpace.policyOutputs]
            let parameters = MLP.parameterCount(sizes: sizes) ?? Int.max / 8
            let limit = WireLimits.default.maxMessageBytes / 8
            try require(parameters * 4 <= limit, "policy.hidden_sizes", policy.hiddenSizes,
                "make a policy of \(parameters) parameters (\(parameters * 4) bytes), beyond what a weights message carries (\(limit) bytes)")
        }
        try algorithm.validate(self)
    }

    /// The algorithm's hyperparameters.
    public var imitationSettings: ImitationSettings {
        var settings = ImitationSettings()
        settings.hiddenSizes = policy.hiddenSizes
        settings.activation = Activation(rawValue: policy.activation) ?? .tanh
        settings.learningRate = Float(policy.learningRate)
        settings.batchSize = policy.batchSize
        settings.gradientStepsPerIteration = training.gradientStepsPerIteration
        settings.samplesPerIteration = training.samplesPerIteration
        settings.datasetCapacity = training.datasetCapacity
        settings.seed = seed
        settings.firstExpertCopies = dagger.firstExpertCopies
        switch dagger.betaSchedule {
        case "linear": settings.beta = .linear(start: dagger.betaStart, iterations: dagger.betaIterations)
        case "constant": settings.beta = .constant(dagger.betaStart)
        default: settings.beta = .exponential(start: dagger.betaStart, decay: dagger.betaDecay)
        }
        return settings
    }
}
