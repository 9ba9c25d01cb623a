import Foundation
import NexusAlgorithms
import NexusEnvironments
import NexusRuntime

/// `nexus bench ppo`: PPO on CartPole-v1 with rl-baselines3-zoo's tuned settings, 3 seeds (`--seeds`),
/// median: env steps and seconds to an evaluation return of 475, and env steps/s of the whole
/// loop (rollouts + updates + evaluation). Two cases: the in-process runner (the algorithm
/// alone) and `nexus train --workers 2` (the cluster: 2 worker processes × 4 envs = the zoo's
/// 8, seconds measured by the learner from its start).
///
/// Baseline: Stable-Baselines3's PPO with the same settings, the same evaluation (20
/// deterministic episodes after every update) and the same machine: run in this benchmark
/// when `--reference-python` names a Python with stable-baselines3 (tools/sb3_ppo_reference.py),
/// else the figures measured on this machine kind (TOOLCHAIN.md: 14,336 steps, 7.25 s).
public struct PPOBench: Sendable {
    public var settings: BenchSettings
    public var executable: URL
    public var referencePython: String?
    /// Seeds 1…N of each case and of the reference (PPO's steps to 475 spread over 3× between
    /// seeds, so a few seeds' median moves with the seeds).
    public var seedCount: Int

    public init(_ settings: BenchSettings = BenchSettings(), executable: URL, referencePython: String? = nil, seedCount: Int = 3) {
        self.settings = settings
        self.executable = executable
        self.referencePython = referencePython
        self.seedCount = seedCount
    }

    public static let caseNames = ["ppo_CartPole-v1_in_process", "ppo_CartPole-v1_2_workers"]
    static let recordedReference = (steps: 14_336.0, seconds: 7.25)

    struct Seed { var steps: Double; var seconds: Double; var stepsPerSecond: Double }

    public func run(_ reporter: BenchReporter) async throws {
        try settings.requireMatch(in: Self.caseNames, bench: "ppo")
        let seeds: [UInt64] = settings.quick ? [1] : (1...UInt64(max(1, seedCount))).map { $0 }
        let reference = try measureReference(seeds: seeds, reporter: reporter)
        for kase in Self.caseNames where settings.selected(kase) {
            var results: [Seed] = []
            for seed in seeds {
                let result = kase.hasSuffix("in_process") ? try inProcess(seed: seed, reporter: reporter) : try await cluster(seed: seed)
                reporter.note("\(kase) seed \(seed): \(Int(result.steps)) env steps, \(String(format: "%.3f", result.seconds)) s to 475, \(Int(result.stepsPerSecond)) env steps/s")
                results.append(result)
            }
            let median = { (values: [Double]) in Measure.median(values.sorted()) }
            reporter.report(BenchRecord(bench: "ppo", case: kase, metric: "env_steps_to_475", value: median(results.map(\.steps)), unit: "steps", baseline: reference.steps))
            reporter.report(BenchRecord(bench: "ppo", case: kase, metric: "seconds_to_475", value: median(results.map(\.seconds)), unit: "s", baseline: reference.seconds))
            reporter.report(BenchRecord(
                bench: "ppo", case: kase, metric: "env_steps_per_s", value: median(results.map(\.stepsPerSecond)), unit: "st/s",
                baseline: reference.steps / reference.seconds))
        }
    }

    func inProcess(seed: UInt64, reporter: BenchReporter) throws -> Seed {
        var config = try ConfigLoader.load(overrides: ["algo=ppo", "env=CartPole-v1", "workers=2", "seed=\(seed)"])
        config.seed = seed
        var run = InProcessRunner.Settings(envID: config.env, targetReturn: 475)
        (run.envs, run.segmentSteps, run.seed, run.maxEnvSteps) = (config.worker.envs * config.workers, config.worker.segmentSteps, seed, 200_000)
        let algorithm = try config.algorithm.makeAlgorithm(config: config, spec: try config.environmentSpec)
        let outcome = try InProcessRunner(settings: run, expert: nil).run(algorithm)
        reporter.note(String(
            format: "  in process, seed %llu: rollouts %.3f s, updates %.3f s, evaluation %.3f s", seed,
            outcome.rolloutSeconds, outcome.trainingSeconds, outcome.evaluationSeconds))
        guard let steps = outcome.envStepsToTarget, let seconds = outcome.secondsToTarget else {
            throw EndToEndFailure(description: "in-process PPO seed \(seed) did not reach 475 in 200,000 steps")
        }
        return Seed(steps: Double(steps), seconds: seconds, stepsPerSecond: Double(steps) / seconds)
    }

    func cluster(seed: UInt64) async throws -> Seed {
        let (summary, _) = try await TrainRun.summary(
            executable: executable, arguments: ["--algo", "ppo", "--env", "CartPole-v1", "--workers", "2", "--seed", "\(seed)", "--max-seconds", "120"],
            label: "ppo")
        guard let seconds = summary.number("seconds_to_target"), let steps = summary.number("env_steps_to_target"), !seconds.isNaN else {
            throw EndToEndFailure(description: "cluster PPO seed \(seed) did not reach 475")
        }
        return Seed(steps: steps, seconds: seconds, stepsPerSecond: steps / seconds)
    }

    /// SB3 on this machine now, or the recorded figures.
    func measureReference(seeds: [UInt64], reporter: BenchReporter) throws -> (steps: Double, seconds: Double) {
        guard let referencePython else {
            reporter.note("baseline: Stable-Baselines3 PPO as recorded on this machine kind (\(Int(Self.recordedReference.steps)) steps, \(Self.recordedReference.seconds) s); --reference-python measures it now")
            return Self.recordedReference
        }
        var steps: [Double] = [], seconds: [Double] = []
        for seed in seeds {
            let what = "the Stable-Baselines3 reference (seed \(seed))"
            let result = try ReferenceScripts.result(of: "sb3_ppo_reference.py", python: referencePython, ["--seed", "\(seed)"], what: what)
            let stepCount = try ReferenceScripts.number("env_steps_to_target", in: result, what: what + ", which did not reach 475,")
            let time = try ReferenceScripts.number("seconds_to_target", in: result, what: what)
            reporter.note("stable-baselines3 seed \(seed): \(Int(stepCount)) env steps, \(String(format: "%.2f", time)) s to 475")
            steps.append(stepCount)
            seconds.append(time)
        }
        return (Measure.median(steps.sorted()), Measure.median(seconds.sorted()))
    }
}
