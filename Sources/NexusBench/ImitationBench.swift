import Foundation
import NexusAlgorithms
import NexusDemonstrations
import NexusEnvironments
import NexusRuntime

/// `nexus bench imitation`: GAIL and AIRL from expert demonstrations, in one process (the
/// in-process runner: the code the learner and workers run, without sockets), 3 seeds:
/// env steps and seconds until the deterministic evaluation reaches the target, and env
/// steps/s of the whole loop (rollouts, discriminator and PPO updates, evaluation).
///
/// Baseline: the reference Python library's GAIL loop speed on this machine kind (about
/// 2.3k env steps/s, TOOLCHAIN.md); it is not installed in CI.
public struct ImitationBench: Sendable {
    public var settings: BenchSettings
    public var referencePython: String?
    public init(_ settings: BenchSettings = BenchSettings(), referencePython: String? = nil) {
        self.settings = settings
        self.referencePython = referencePython
    }

    /// The reference library's tutorial settings for GAIL on CartPole (8 envs × 2048 steps per
    /// round, PPO batch 64, lr 4e-4, γ 0.95, 5 epochs; 8 discriminator updates of 1024 expert
    /// and 1024 policy transitions; no behaviour cloning), for a like-for-like speed comparison.
    static let tutorialOverrides = [
        "worker.envs=4", "worker.segment_steps=2048", "training.samples_per_iteration=16384", "policy.batch_size=64",
        "policy.learning_rate=0.0004", "ppo.gamma=0.95", "ppo.epochs=5", "ppo.entropy_coefficient=0", "adversarial.updates_per_iteration=8",
        "adversarial.batch_size=1024",
        // The tutorial's GAIL neither starts from nor holds to behaviour cloning.
        "adversarial.warm_start_steps=0", "adversarial.demonstration_weight=0",
    ]
    static let throughputCase = "gail_CartPole-v1_tutorial_throughput"
    static let throughputSteps = 65_536

    public static let cases: [(name: String, algo: String, env: String, target: Double, episodes: Int, maxSteps: Int)] = [
        ("gail_CartPole-v1", "gail", "CartPole-v1", 475, 20, 300_000),
        ("airl_CartPole-v1", "airl", "CartPole-v1", 475, 20, 300_000),
        ("gail_Pendulum-v1", "gail", "Pendulum-v1", -300, 50, 1_000_000),
        ("airl_Pendulum-v1", "airl", "Pendulum-v1", -300, 50, 1_000_000),
    ]
    static let referenceStepsPerSecond = 2300.0

    public func run(_ reporter: BenchReporter) throws {
        try settings.requireMatch(in: Self.cases.map(\.name) + [Self.throughputCase], bench: "imitation")
        let seeds: [UInt64] = settings.quick ? [1] : [1, 2, 3]
        let reference = try referenceStepsPerSecond(reporter: reporter)
        for kase in Self.cases where settings.selected(kase.name) {
            var steps: [Double] = [], seconds: [Double] = [], rates: [Double] = []
            for seed in seeds {
                let outcome = try Self.runInProcess(algo: kase.algo, env: kase.env, target: kase.target, episodes: kase.episodes, maxSteps: kase.maxSteps, seed: seed) {
                    reporter.note("  \(kase.name) seed \(seed): iteration \($0.iterations), \($0.envSteps) steps, eval \(String(format: "%.1f", $0.evalReturn))")
                }
                let reached = outcome.envStepsToTarget.map(String.init) ?? "not reached"
                reporter.note("\(kase.name) seed \(seed): \(reached) env steps to \(kase.target), eval \(String(format: "%.1f", outcome.evalReturn)), \(String(format: "%.1f", outcome.seconds)) s, \(Int(Double(outcome.envSteps) / outcome.seconds)) env steps/s")
                steps.append(Double(outcome.envStepsToTarget ?? outcome.envSteps))
                seconds.append(outcome.secondsToTarget ?? outcome.seconds)
                rates.append(Double(outcome.envSteps) / outcome.seconds)
            }
            let median = { (values: [Double]) in Measure.median(values.sorted()) }
            reporter.report(BenchRecord(bench: "imitation", case: kase.name, metric: "env_steps_to_target", value: median(steps), unit: "steps", baseline: Double(kase.maxSteps)))
            reporter.report(BenchRecord(bench: "imitation", case: kase.name, metric: "seconds_to_target", value: median(seconds), unit: "s", baseline: median(steps) / reference))
            reporter.report(BenchRecord(bench: "imitation", case: kase.name, metric: "env_steps_per_s", value: median(rates), unit: "st/s", baseline: reference))
        }
        if settings.selected(Self.throughputCase) {
            // Like for like: the reference's own settings, a fixed number of steps, no evaluation.
            var rates: [Double] = []
            for seed in seeds {
                let outcome = try Self.runInProcess(
                    algo: "gail", env: "CartPole-v1", target: .infinity, episodes: 20, maxSteps: Self.throughputSteps, seed: seed,
                    overrides: Self.tutorialOverrides, evalEvery: 1_000_000)
                rates.append(Double(outcome.envSteps) / outcome.seconds)
                reporter.note(String(
                    format: "%@ seed %llu: %d env steps in %.2f s (rollouts %.2f s, discriminator and PPO updates %.2f s)", Self.throughputCase, seed,
                    outcome.envSteps, outcome.seconds, outcome.rolloutSeconds, outcome.trainingSeconds))
            }
            reporter.report(BenchRecord(
                bench: "imitation", case: Self.throughputCase, metric: "env_steps_per_s", value: Measure.median(rates.sorted()), unit: "st/s", baseline: reference))
        }
    }

    /// The reference library's GAIL loop on this machine now (tools/imitation_gail_reference.py),
    /// or the figure recorded on this machine kind.
    func referenceStepsPerSecond(reporter: BenchReporter) throws -> Double {
        guard let referencePython else {
            reporter.note("baseline: the reference library's GAIL loop as recorded on this machine kind (\(Int(Self.referenceStepsPerSecond)) env steps/s); --reference-python measures it now")
            return Self.referenceStepsPerSecond
        }
        let what = "the reference GAIL script"
        let rate = try ReferenceScripts.number(
            "env_steps_per_second", in: try ReferenceScripts.result(of: "imitation_gail_reference.py", python: referencePython, ["--steps", "\(Self.throughputSteps)"], what: what),
            what: what)
        reporter.note("reference library GAIL on this machine: \(Int(rate)) env steps/s")
        return rate
    }

    /// The algorithm as `nexus train --algo ALGO --env ENV --workers 2` configures it, run in one process.
    public static func runInProcess(
        algo: String, env: String, target: Double, episodes: Int, maxSteps: Int, seed: UInt64, overrides: [String] = [], evalEvery: Int = 1,
        progress: (InProcessRunner.Outcome) -> Void = { _ in }
    ) throws -> InProcessRunner.Outcome {
        let type = try EnvironmentRegistry.type(for: env)
        let demos = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-bench-demos-\(UUID().uuidString).nxdemo").path
        defer { try? FileManager.default.removeItem(atPath: demos) }
        try DemonstrationRecorder.record(type, expert: try Experts.for(env), episodes: episodes, seed: seed &+ 100, nexusVersion: "bench").write(to: demos)
        let config = try ConfigLoader.load(overrides: ["algo=\(algo)", "env=\(env)", "workers=2", "seed=\(seed)", "demos=\(demos)"] + overrides)
        var run = InProcessRunner.Settings(envID: env, targetReturn: target)
        (run.envs, run.segmentSteps, run.seed, run.maxEnvSteps, run.evalEvery) = (config.worker.envs * config.workers, config.worker.segmentSteps, seed, maxSteps, evalEvery)
        let algorithm = try config.algorithm.makeAlgorithm(config: config, spec: type.spec)
        var iterations = 0
        return try InProcessRunner(settings: run, expert: nil).run(algorithm) { outcome in
            iterations += 1
            if iterations % 20 == 0 { progress(outcome) }
        }
    }
}
