import Foundation
import NexusErrors

/// `nexus bench e2e`: DAgger on CartPole-v1 with 4 workers, launched with `nexus train` (the
/// whole local cluster, process start-up included) over 5 seeds; seconds from launch to the
/// evaluation reaching 475, env steps and expert queries until then: median, min, max.
///
/// Baseline: the reference figures measured on the same 2-core machine for a popular Python
/// library's DAgger (issue 5): a median 4,500 expert-labelled transitions and 3.9 s of
/// training to 475. They are constants, not re-measured here (no Python ML stack in CI).
public struct EndToEndBench: Sendable {
    public var settings: BenchSettings
    public var executable: URL
    public init(_ settings: BenchSettings = BenchSettings(), executable: URL) {
        self.settings = settings
        self.executable = executable
    }

    public static let caseNames = ["dagger_CartPole-v1_4_workers"]
    static let referenceSeconds = 3.9
    static let referenceTransitions = 4500.0

    public func run(_ reporter: BenchReporter) async throws {
        try settings.requireMatch(in: Self.caseNames, bench: "e2e")
        let seeds: [UInt64] = settings.quick ? [1, 2] : [1, 2, 3, 4, 5]
        var launchSeconds: [Double] = [], steps: [Double] = [], queries: [Double] = []
        for seed in seeds {
            let (summary, launched) = try await TrainRun.summary(
                executable: executable, arguments: ["--env", "CartPole-v1", "--workers", "4", "--seed", "\(seed)", "--max-seconds", "120"], label: "e2e")
            guard let started = summary.number("started_unix_seconds"), let toTarget = summary.number("seconds_to_target"), !toTarget.isNaN,
                let stepsToTarget = summary.number("env_steps_to_target"), let queriesToTarget = summary.number("expert_queries_to_target")
            else {
                throw EndToEndFailure(description: "seed \(seed) did not reach 475")
            }
            launchSeconds.append(started + toTarget - launched)
            steps.append(stepsToTarget)
            queries.append(queriesToTarget)
            reporter.note("seed \(seed): \(String(format: "%.3f", started + toTarget - launched)) s from launch, \(Int(stepsToTarget)) env steps, \(Int(queriesToTarget)) expert queries")
        }
        let kase = Self.caseNames[0]
        for (name, values, unit, baseline) in [
            ("seconds_to_475", launchSeconds, "s", Self.referenceSeconds),
            ("expert_queries_to_475", queries, "labels", Self.referenceTransitions),
            ("env_steps_to_475", steps, "steps", Self.referenceTransitions),
        ] {
            let sorted = values.sorted()
            reporter.report(BenchRecord(bench: "e2e", case: kase, metric: name + "_median", value: Measure.median(sorted), unit: unit, baseline: baseline))
            reporter.report(BenchRecord(bench: "e2e", case: kase, metric: name + "_min", value: sorted.first!, unit: unit, baseline: baseline))
            reporter.report(BenchRecord(bench: "e2e", case: kase, metric: name + "_max", value: sorted.last!, unit: unit, baseline: baseline))
        }
    }
}

/// A run of the end-to-end benchmark that did not reach the target: a failure of Nexus, not
/// bad input.
public typealias EndToEndFailure = DescribedError<EndToEndFailureKind>
public enum EndToEndFailureKind {}
