import Foundation

/// `nexus bench e2e --gym --python PY --expert-python MODULE:CALLABLE`: DAgger with 4 workers
/// on `gym:CartPole-v1` (Gymnasium's CartPole through the Python bridge) over 5 seeds, the
/// same Python expert answering: expert queries, env steps and seconds from launch to 475,
/// medians. Baseline: the same runs on Nexus's own CartPole-v1 with the same expert, in the
/// same benchmark run (the bridge must not cost labels: the issue asks for at most 2×).
public struct GymEndToEndBench: Sendable {
    public var settings: BenchSettings
    public var executable: URL
    public var python: String
    public var expert: String

    public init(_ settings: BenchSettings, executable: URL, python: String, expert: String) {
        (self.settings, self.executable, self.python, self.expert) = (settings, executable, python, expert)
    }

    public static let caseName = "dagger_gym-CartPole-v1_4_workers"

    public func run(_ reporter: BenchReporter) async throws {
        try settings.requireMatch(in: [Self.caseName], bench: "e2e")
        let seeds: [UInt64] = settings.quick ? [1] : [1, 2, 3, 4, 5]
        var figures: [String: (gym: [Double], builtin: [Double])] = [:]
        for seed in seeds {
            // Alternated per seed, so that a slow spell of the machine falls on both.
            for env in ["CartPole-v1", "gym:CartPole-v1"] {
                let (summary, launched) = try await TrainRun.summary(
                    executable: executable,
                    arguments: ["--env", env, "--workers", "4", "--seed", "\(seed)", "--max-seconds", "300", "--python", python, "--expert-python", expert],
                    label: "e2e")
                guard let started = summary.number("started_unix_seconds"), let toTarget = summary.number("seconds_to_target"), !toTarget.isNaN,
                    let steps = summary.number("env_steps_to_target"), let queries = summary.number("expert_queries_to_target")
                else { throw EndToEndFailure(description: "\(env) seed \(seed) did not reach 475") }
                let values = ["expert_queries_to_475": queries, "env_steps_to_475": steps, "seconds_to_475": started + toTarget - launched]
                for (name, value) in values {
                    if env.hasPrefix("gym:") { figures[name, default: ([], [])].gym.append(value) } else { figures[name, default: ([], [])].builtin.append(value) }
                }
                reporter.note("\(env) seed \(seed): \(Int(queries)) expert queries, \(Int(steps)) env steps, \(String(format: "%.2f", started + toTarget - launched)) s from launch")
            }
        }
        for (name, unit) in [("expert_queries_to_475", "labels"), ("env_steps_to_475", "steps"), ("seconds_to_475", "s")] {
            let (gym, builtin) = figures[name]!
            reporter.report(BenchRecord(bench: "e2e", case: Self.caseName, metric: name + "_median", value: Measure.median(gym.sorted()), unit: unit, baseline: Measure.median(builtin.sorted())))
        }
    }
}
