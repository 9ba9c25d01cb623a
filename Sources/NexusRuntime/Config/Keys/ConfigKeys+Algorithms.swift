import NexusAlgorithms
import NexusNN

extension ConfigKeys {
    /// PPO, and the generator of gail and airl; names as Stable-Baselines3's.
    static let ppo: [ConfigKey] = [
        .key("ppo.epochs", \.ppo.epochs, .from(1, to: 1000), "passes over each update's samples"),
        .key("ppo.gamma", \.ppo.gamma, .rate, "discount factor"),
        .key("ppo.gae_lambda", \.ppo.gaeLambda, .fraction, "GAE's λ"),
        .key("ppo.clip_range", \.ppo.clipRange, Rule("must be in (0, 10)") { $0 > 0 && $0 < 10 }, "the policy ratio's clip"),
        .choice("ppo.clip_range_schedule", \.ppo.clipRangeSchedule, "linear: falls to 0 over schedule_steps env steps"),
        .choice("ppo.learning_rate_schedule", \.ppo.learningRateSchedule, "linear: falls to 0 over schedule_steps env steps"),
        .key("ppo.schedule_steps", \.ppo.scheduleSteps, .atLeast(1), "env steps over which linear schedules fall to 0"),
        .key("ppo.entropy_coefficient", \.ppo.entropyCoefficient, .notNegative, "weight of the entropy bonus"),
        .key("ppo.value_coefficient", \.ppo.valueCoefficient, .notNegative, "weight of the value loss"),
        .key("ppo.max_grad_norm", \.ppo.maxGradNorm, .positive, "gradients are clipped to this global norm"),
        .key("ppo.target_kl", \.ppo.targetKl, Rule("must be ≥ 0 (0: no early stop)") { $0 >= 0 && $0.isFinite },
             "stop an update's epochs once the approximate KL passes 1.5 × this; 0: never"),
        .key("ppo.normalize_advantages", \.ppo.normalizeAdvantages, "advantages normalised per minibatch"),
        .key("ppo.normalize_observations", \.ppo.normalizeObservations, "running observation statistics, shipped inside the policy"),
        .key("ppo.normalize_rewards", \.ppo.normalizeRewards, "rewards divided by the running spread of the discounted return (learner only)"),
        .key("ppo.log_std_init", \.ppo.logStdInit, .within(-20...5), "a Gaussian policy's initial log standard deviation"),
        .key("ppo.orthogonal_init", \.ppo.orthogonalInit, "orthogonal initial weights (SB3's ortho_init); false: PyTorch's uniform default"),
        .key("ppo.max_policy_lag", \.ppo.maxPolicyLag, .from(0, to: 1000),
             "segments more than this many versions old are dropped (and counted); one version old is corrected by the behaviour's log-probabilities"),
        .key("ppo.parallel_update", \.ppo.parallelUpdate, "the policy's and value network's gradients on two threads during an update"),
        .key("ppo.reward", \.ppo.reward, "a gail or airl checkpoint whose learned reward replaces the environment's (--algo ppo only); empty: the environment's"),
    ]

    /// The discriminator of gail and airl.
    static let adversarial: [ConfigKey] = [
        .key("adversarial.hidden_sizes", \.adversarial.hiddenSizes, .layers, "the discriminator's hidden layer widths"),
        .choice("adversarial.activation", \.adversarial.activation, allowed: [.tanh, .relu], "the discriminator's hidden activation"),
        .key("adversarial.learning_rate", \.adversarial.learningRate, .rate, "Adam's learning rate for the discriminator"),
        .key("adversarial.updates_per_iteration", \.adversarial.updatesPerIteration, .from(1, to: 1000), "discriminator steps per policy update"),
        .key("adversarial.batch_size", \.adversarial.batchSize, .from(1, to: 65536), "expert and policy transitions per discriminator step (each)"),
        .key("adversarial.spectral_norm", \.adversarial.spectralNorm, "spectral normalisation of the discriminator's layers"),
        .choice("adversarial.gradient_penalty", \.adversarial.gradientPenalty, "r1: zero-centred on expert inputs; wgan-gp: one-centred on interpolates"),
        .key("adversarial.gradient_penalty_weight", \.adversarial.gradientPenaltyWeight, .within(0...1e6), "weight of the gradient penalty"),
        .key("adversarial.label_smoothing", \.adversarial.labelSmoothing, Rule("must be in [0, 0.5)") { $0 >= 0 && $0 < 0.5 },
             "targets 1 − ε for expert and ε for policy transitions"),
        .key("adversarial.state_only_reward", \.adversarial.stateOnlyReward, "airl: the reward term depends on the state only (the reward that transfers)"),
        .key("adversarial.max_grad_norm", \.adversarial.maxGradNorm, .positive, "the discriminator's gradients are clipped to this global norm"),
        .key("adversarial.warm_start_steps", \.adversarial.warmStartSteps, .from(0, to: 10_000_000),
             "behaviour-cloning steps on the demonstrations before the first rollout (minibatches of policy.batch_size); 0: none"),
        .key("adversarial.warm_start_learning_rate", \.adversarial.warmStartLearningRate, .rate, "Adam's learning rate for the warm start's behaviour cloning"),
        .key("adversarial.demonstration_weight", \.adversarial.demonstrationWeight, .within(0...1e6),
             "weight of a behaviour-cloning term on the demonstrations in each PPO minibatch's loss; 0: none"),
    ]

    /// MEGA-DAgger's world model and gate (its policy learns as dagger's).
    static let mega: [ConfigKey] = [
        .key("mega.members", \.mega.members, .from(2, to: WorldModelEnsemble.maxMembers), "world models in the ensemble"),
        .key("mega.hidden_sizes", \.mega.hiddenSizes, .layers, "each world model's hidden layer widths"),
        .key("mega.model_learning_rate", \.mega.modelLearningRate, .rate, "Adam's learning rate for the world models"),
        .key("mega.model_batch_size", \.mega.modelBatchSize, .from(1, to: 65536), "minibatch of a world-model update"),
        .key("mega.model_steps_per_iteration", \.mega.modelStepsPerIteration, .from(0, to: 100_000), "bootstrapped updates of every member per iteration"),
        .key("mega.parallel_fit", \.mega.parallelFit, "the world models' fit on two threads: half the members on each, the policy's update beside the smaller half"),
        .key("mega.transition_capacity", \.mega.transitionCapacity, .from(10, to: 100_000_000), "real transitions kept for the world model (a reservoir sample beyond)"),
        .key("mega.steps_per_iteration", \.mega.stepsPerIteration, .from(1, to: 10_000_000), "env steps between iterations after the first"),
        .key("mega.threshold", \.mega.threshold, Rule("must be a number ≥ 0 (.inf: never query for uncertainty)") { $0 >= 0 },
             "τ, the gate's disagreement threshold (used as given when query_rate is 0)"),
        .key("mega.query_rate", \.mega.queryRate, Rule("must be in [0, 1] (0: the threshold is fixed)") { (0...1).contains($0) },
             "τ is set after each iteration so the gate fires on about this fraction of states, and workers let disagreement start about this many interventions per copy and step; 0: threshold as given, every firing acted on"),
        .key("mega.horizon", \.mega.horizon, .from(0, to: RolloutPlan.maxGateHorizon), "safety lookahead: imagined steps under the policy; 0: none"),
        .key("mega.beta_mixture", \.mega.betaMixture, "the expert also acts with dagger's β_i (those rows are labelled too)"),
        .key("mega.beta_per_episode", \.mega.betaPerEpisode, "β's clock counts episodes' worth of env steps collected (over the environment's episode limit), not iterations"),
        .key("mega.beta_from_error", \.mega.betaFromError, "β is also held to the policy's error on the states the expert labelled in the last iteration (1 − R² of continuous actions, the share of other actions of discrete ones)"),
        .key("mega.takeover_steps", \.mega.takeoverSteps, .from(0, to: RolloutPlan.maxTakeoverSteps),
             "where the gate fires (and the query rate admits it), the expert drives that copy this many steps; 0: it labels the state and the policy drives on"),
        .key("mega.safety_takeover_steps", \.mega.safetyTakeoverSteps, .from(0, to: RolloutPlan.maxTakeoverSteps),
             "where a safety firing (the lookahead or the fall-risk critic) hands a copy to the expert, it drives this many steps, that one included, renewed on every step the danger is seen; 0 or 1: only those steps"),
        .key("mega.unsafe_stay_steps", \.mega.unsafeStaySteps, .from(0, to: RolloutPlan.maxTakeoverSteps),
             "once a copy's own state has been inside the unsafe region this many steps in a row, safety firings no longer hand it to the expert until it leaves (the rest of the gate still applies); 0: no limit"),
        .key("mega.safety_margin", \.mega.safetyMargin, Rule("must be from 0 to 100 (multiples of the model's one-step error)") { $0 >= 0 && $0 <= 100 },
             "a predicted state is also unsafe when this many held-out one-step errors away from the unsafe region"),
        .key("mega.imagined_labels", \.mega.imaginedLabels, .from(0, to: 4096), "states per iteration the learner imagines ahead of the policy for the expert to label; 0: none"),
        .key("mega.imagination_horizon", \.mega.imaginationHorizon, .from(1, to: 100), "imagined steps from each recent real state"),
        .key("mega.fall_risk_horizon", \.mega.fallRiskHorizon, .from(0, to: 10_000), "the fall-risk critic learns whether the unsafe region came at the step from a state or within this many after (its network takes mega.hidden_sizes, model_learning_rate and model_batch_size; its outcomes keep up to mega.transition_capacity rows); 0: no critic"),
        .key("mega.fall_risk_threshold", \.mega.fallRiskThreshold, Rule("must be a probability in (0, 1]") { $0 > 0 && $0 <= 1 }, "the critic's probability of a fall ahead at which the expert takes over"),
        .key("mega.fall_risk_steps_per_iteration", \.mega.fallRiskStepsPerIteration, .from(0, to: 100_000), "the critic's updates per iteration"),
    ]
}
