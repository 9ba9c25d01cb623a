extension ConfigKeys {
    /// The run itself, and how the policy learns (every algorithm).
    static let run: [ConfigKey] = [
        .key("algo", \.algo, "the algorithm (nexus train --help lists them)"),
        .key("env", \.env, "the environment: one of Nexus's own (nexus env list), or gym:ID for any Gymnasium environment"),
        .key("env_kwargs", \.envKwargs, "Gymnasium's keyword arguments of the environment (g: 12 for Pendulum-v1), for training, evaluation and every worker"),
        .key("unsafe_region", \.unsafeRegion, "where a gym: environment is unsafe: bounds such as obs[0] < -0.2, any of them crossed (MEGA-DAgger's lookahead, unsafe-event counts)"),
        .key("seed", \.seed, "the run's seed: networks, workers' environments, evaluation's order"),
        .key("workers", \.workers, .from(1, to: 256), "rollout worker processes"),
        .key("max_seconds", \.maxSeconds, .seconds(atMost: 1e7), "stop after this long, target reached or not"),
        .key("total_env_steps", \.totalEnvSteps, "stop once the workers have collected this many env steps (SB3's total_timesteps); 0: no such budget"),
        .key("target_return", \.targetReturn, Rule("must be a finite number") { $0.isFinite }, "the evaluation's mean return that counts as solved (default: the environment's threshold)"),
        .key("stop_at_target", \.stopAtTarget, "stop when the evaluation reaches target_return"),
        .key("demos", \.demos, "a demonstration file (nexus demos record): required by bc, gail and airl; dagger may start from one"),
        .key("python", \.python, Rule("must name a Python interpreter (a path, or a name on PATH)") { !$0.isEmpty && !$0.contains("\n") },
             "the Python interpreter of gym: environments and Python experts"),
    ]

    static let policy: [ConfigKey] = [
        .key("policy.hidden_sizes", \.policy.hiddenSizes, .layers, "the policy network's hidden layer widths"),
        .choice("policy.activation", \.policy.activation, allowed: [.tanh, .relu], "the policy's hidden activation"),
        .key("policy.learning_rate", \.policy.learningRate, .rate, "Adam's learning rate for the policy"),
        .key("policy.batch_size", \.policy.batchSize, .from(1, to: 65536), "minibatch size of a policy update (PPO: its minibatch)"),
        .key("policy.weight_average", \.policy.weightAverage, Rule("must be in [0, 1)") { (0..<1).contains($0) },
             "bc, dagger, mega-dagger: publish and evaluate the exponential average of the policy's iterates, with this decay per gradient step; 0: the last iterate"),
    ]

    static let training: [ConfigKey] = [
        .key("training.gradient_steps_per_iteration", \.training.gradientStepsPerIteration, .from(1, to: 10_000_000), "supervised gradient steps per iteration (bc, dagger, mega-dagger)"),
        .key("training.samples_per_iteration", \.training.samplesPerIteration, .from(1, to: 100_000_000),
             "dagger: new expert labels before each iteration; ppo, gail, airl: env steps per update"),
        .key("training.dataset_capacity", \.training.datasetCapacity, .from(1, to: 100_000_000), "labelled steps kept (a reservoir sample beyond)"),
        .key("training.max_iterations", \.training.maxIterations, .atLeast(1), "the run ends after this many iterations"),
    ]

    static let dagger: [ConfigKey] = [
        .choice("dagger.beta_schedule", \.dagger.betaSchedule, "how β (the chance the expert acts) falls over the iterations"),
        .key("dagger.beta_start", \.dagger.betaStart, .fraction, "β at the first iteration"),
        .key("dagger.beta_decay", \.dagger.betaDecay, .rate, "exponential: β_i = beta_start × beta_decay^i (mega-dagger: i counts episodes' worth of env steps, mega.beta_per_episode)"),
        .key("dagger.beta_iterations", \.dagger.betaIterations, .atLeast(1), "linear: iterations (mega-dagger: episodes' worth of env steps) from beta_start down to 0"),
        .key("dagger.first_expert_copies", \.dagger.firstExpertCopies, .atLeast(0),
             "first iteration: the expert drives this many copies per worker (whole episodes), the others sit it out; 0: every copy"),
    ]

    static let bc: [ConfigKey] = [
        .key("bc.iterations", \.bc.iterations, .atLeast(1), "iterations of training.gradient_steps_per_iteration steps each, each evaluated"),
    ]
}
