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
    public init(_ settings: BenchSettings = BenchSettings()) { self.settings = settings }

    public static let cases: [(name: String, algo: String, env: String, target: Double, episodes: Int, maxSteps: Int)] = [
        ("gail_CartPole-v1", "gail", "CartPole-v1", 475, 20, 300_000),
        ("airl_CartPole-v1", "airl", "CartPole-v1", 475, 20, 300_000),
        ("gail_Pendulum-v1", "gail", "Pendulum-v1", -300, 50, 1_000_000),
        ("airl_Pendulum-v1", "airl", "Pendulum-v1", -300, 50, 1_000_000),
    ]
    static let referenceStepsPerSecond = 2300.0

    public func run(_ reporter: BenchReporter) throws {
        try settings.requireMatch(in: Self.cases.map(\.name), bench: "imitation")
        let seeds: [UInt64] = settings.quick ? [1] : [1, 2, 3]
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
            reporter.report(BenchRecord(bench: "imitation", case: kase.name, metric: "seconds_to_target", value: median(seconds), unit: "s", baseline: median(steps) / Self.referenceStepsPerSecond))
            reporter.report(BenchRecord(bench: "imitation", case: kase.name, metric: "env_steps_per_s", value: median(rates), unit: "st/s", baseline: Self.referenceStepsPerSecond))
        }
    }

    /// The algorithm as `nexus train --algo ALGO --env ENV --workers 2` configures it, run in one process.
    public static func runInProcess(
        algo: String, env: String, target: Double, episodes: Int, maxSteps: Int, seed: UInt64, progress: (InProcessRunner.Outcome) -> Void = { _ in }
    ) throws -> InProcessRunner.Outcome {
        let type = try EnvironmentRegistry.type(for: env)
        let demos = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-bench-demos-\(UUID().uuidString).nxdemo").path
        defer { try? FileManager.default.removeItem(atPath: demos) }
        try DemonstrationRecorder.record(type, expert: try Experts.for(env), episodes: episodes, seed: seed &+ 100, nexusVersion: "bench").write(to: demos)
        let config = try ConfigLoader.load(overrides: ["algo=\(algo)", "env=\(env)", "workers=2", "seed=\(seed)", "demos=\(demos)"])
        var run = InProcessRunner.Settings(envID: env, targetReturn: target)
        (run.envs, run.segmentSteps, run.seed, run.maxEnvSteps) = (config.worker.envs * config.workers, config.worker.segmentSteps, seed, maxSteps)
        let algorithm = try config.algorithm.makeAlgorithm(config: config, spec: type.spec)
        var iterations = 0
        return try InProcessRunner(settings: run, expert: nil).run(algorithm) { outcome in
            iterations += 1
            if iterations % 20 == 0 { progress(outcome) }
        }
    }
}
