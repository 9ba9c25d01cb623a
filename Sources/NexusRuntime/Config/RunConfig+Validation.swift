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

    /// Checks every key's own rule (`ConfigKeys`), then what keys must agree on; the error
    /// names the key, the value and the rule. `requiringInputs`: also what the algorithm needs
    /// to run (a demonstration file); not for listing keys and defaults.
    public func validate(requiringInputs: Bool = true) throws {
        let require = ConfigError.require
        let algorithm = try self.algorithm
        if let problem = GymEnvironmentID.problem(env) { throw ConfigError("config key \"env\": \(problem)") }
        try require(EnvironmentRegistry.ids.contains(env) || GymEnvironmentID.isGym(env), "env", env,
                    "unknown environment (known: \(EnvironmentRegistry.ids.joined(separator: ", ")); or gym:ID for any Gymnasium environment)"
                    + NearestName.hint(among: EnvironmentRegistry.ids, to: env))
        try ConfigKeys.check(self)
        _ = try environmentArguments
        if !unsafeRegion.isEmpty {
            try require(GymEnvironmentID.isGym(env), "unsafe_region", unsafeRegion,
                        "is for gym: environments; \(env)'s unsafe region is built in (README's environment table)")
            _ = try checkedUnsafeRegion(observationDim: nil)
        }
        try require(metrics.port == 0 || metrics.port + expertImperfections.count <= 65535, "metrics.port", metrics.port,
                    "leaves no port for the experts (port + 1 + i)")
        try require(demos.isEmpty || algorithm.acceptsDemonstrations, "demos", demos, "algo \(algo) does not learn from demonstrations")
        try require(totalEnvSteps == 0 || algorithm.requirements.contains(.rolloutWorkers), "total_env_steps", totalEnvSteps,
                    "counts the env steps workers collect; algo \(algo) has no workers (bc.iterations bounds it)")
        try require(dagger.firstExpertCopies <= worker.envs, "dagger.first_expert_copies", dagger.firstExpertCopies, "must be from 0 to worker.envs (\(worker.envs))")
        if !expert.python.isEmpty {
            try require(expert.policy.isEmpty, "expert.python", expert.python, "serves the expert; leave out expert.policy (\(expert.policy))")
            try require(expert.imperfection.isEmpty && expert.imperfections.isEmpty, "expert.python", expert.python,
                        "is one Python expert; expert.imperfection(s) apply to the built-in one")
            try require(expert.python.hasPrefix("sb3:") ? expert.python.count > 4 : expert.python.split(separator: ":").count == 2,
                        "expert.python", expert.python, "must be MODULE:CALLABLE or sb3:PATH.zip")
        }
        let idHold = worker.heartbeatSeconds * launcher.silentHeartbeats
        try require(worker.joinRefusedSeconds > idHold + 2, "worker.join_refused_seconds", worker.joinRefusedSeconds,
                    "must outlast the learner's hold of a dead worker's id (worker.heartbeat_seconds × launcher.silent_heartbeats = \(idHold) s) by 2 s")
        try require(worker.retryMaxSeconds >= worker.retryInitialSeconds, "worker.retry_max_seconds", worker.retryMaxSeconds, "must be at least worker.retry_initial_seconds")
        // The policy travels in one weights message: it must fit the receivers' limit.
        if let spec = try? EnvironmentRegistry.type(for: env).spec {
            let sizes = [spec.observationDim] + policy.hiddenSizes + [spec.actionSpace.policyOutputs]
            let parameters = MLP.parameterCount(sizes: sizes) ?? Int.max / 8
            let limit = WireLimits.default.maxMessageBytes / 8
            try require(parameters * 4 <= limit, "policy.hidden_sizes", policy.hiddenSizes,
                "make a policy of \(parameters) parameters (\(parameters * 4) bytes), beyond what a weights message carries (\(limit) bytes)")
        }
        if requiringInputs { try algorithm.validate(self) }
    }

    /// Supervised imitation's hyperparameters: the `policy`, `training` and `dagger` sections.
    public var imitationSettings: ImitationSettings { ImitationSettings(policy: policy, training: training, dagger: dagger, seed: seed) }
}
