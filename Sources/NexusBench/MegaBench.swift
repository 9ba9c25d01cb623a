import Foundation

/// `nexus bench mega`: DAgger and MEGA-DAgger through the local cluster (4 workers, 5 seeds)
/// on the five built-in environments — Pendulum-v1 (−200), Acrobot-v1 (−100),
/// MountainCarContinuous-v0 (90), CartPole-v1 (475), MountainCar-v0 (−110) — with the
/// ablations of MEGA-DAgger: no uncertainty gate (τ = 0, every row the policy drives is
/// labelled), no safety lookahead (horizon 0), and imagination added (16 imagined states
/// labelled per iteration; off by default); and DAgger started as MEGA-DAgger starts (its
/// first iteration's shape), to tell what that alone is worth. Per environment and variant:
/// median expert queries, unsafe events (and their sum), env steps and wall time (the
/// learner's clock) to the target, and how many seeds reached it; the
/// baseline of each figure is DAgger's median from the same run (ratio = variant / DAgger).
public struct MegaBench: Sendable {
    public var settings: BenchSettings
    public var executable: URL
    public init(_ settings: BenchSettings = BenchSettings(), executable: URL) {
        self.settings = settings
        self.executable = executable
    }

    public static let environments: [(id: String, target: Double)] = [
        ("Pendulum-v1", -200), ("Acrobot-v1", -100), ("MountainCarContinuous-v0", 90), ("CartPole-v1", 475), ("MountainCar-v0", -110),
    ]
    public static let variants: [(name: String, arguments: [String])] = [
        ("dagger", ["--algo", "dagger"]),
        ("mega", ["--algo", "mega-dagger"]),
        ("mega_no_gate", ["--algo", "mega-dagger", "--set", "mega.threshold=0", "--set", "mega.query_rate=0"]),
        ("mega_no_lookahead", ["--algo", "mega-dagger", "--set", "mega.horizon=0"]),
        // Imagination is off by default (it did not pay for its labels): this ablation adds it.
        ("mega_imagination", ["--algo", "mega-dagger", "--set", "mega.imagined_labels=16"]),
        // The control for MEGA-DAgger's first iteration: DAgger starting the same way (the
        // expert drives one copy per worker, 128 labels an iteration), no world model.
        ("dagger_mega_start", ["--algo", "dagger", "--set", "dagger.first_expert_copies=1", "--set", "training.samples_per_iteration=128"]),
    ]
    /// Three flawed experts on Pendulum-v1: a bias, noise, and blindness near upright.
    public static let imperfections = ["bias=0.8", "noise=1.5", "blind=0:0.8:1"]
    static let imperfectCase = "imperfect_experts_Pendulum-v1"
    public static var caseNames: [String] { environments.flatMap { env in variants.map { "\($0.name)_\(env.id)" } } + [imperfectCase] }

    struct Medians { var queries: Double; var unsafe: Double; var steps: Double; var seconds: Double; var reached: Int; var unsafeTotal: Double }

    public func run(_ reporter: BenchReporter) async throws {
        try settings.requireMatch(in: Self.caseNames, bench: "mega")
        let seeds: [UInt64] = settings.quick ? [1, 2] : [1, 2, 3, 4, 5]
        if settings.selected(Self.imperfectCase) { try await imperfectExperts(seeds: seeds, reporter: reporter) }
        for env in Self.environments {
            var dagger: Medians?
            for variant in Self.variants {
                let name = "\(variant.name)_\(env.id)"
                // DAgger is every variant's baseline: measured whenever a variant of its
                // environment is selected.
                guard settings.selected(name) || (variant.name == "dagger" && Self.variants.contains { settings.selected("\($0.name)_\(env.id)") }) else { continue }
                let medians = try await measure(variant: variant, env: env, seeds: seeds, reporter: reporter, name: name)
                if variant.name == "dagger" { dagger = medians }
                guard settings.selected(name), let baseline = dagger else { continue }
                reporter.report(BenchRecord(bench: "mega", case: name, metric: "expert_queries_to_target", value: medians.queries, unit: "labels", baseline: baseline.queries))
                reporter.report(BenchRecord(bench: "mega", case: name, metric: "unsafe_events_to_target", value: medians.unsafe, unit: "events", baseline: baseline.unsafe))
                // The median hides a seed that did enter the unsafe region: the sum does not.
                reporter.report(BenchRecord(bench: "mega", case: name, metric: "unsafe_events_all_seeds", value: medians.unsafeTotal, unit: "events", baseline: baseline.unsafeTotal))
                reporter.report(BenchRecord(bench: "mega", case: name, metric: "env_steps_to_target", value: medians.steps, unit: "steps", baseline: baseline.steps))
                reporter.report(BenchRecord(bench: "mega", case: name, metric: "seconds_to_target", value: medians.seconds, unit: "s", baseline: baseline.seconds))
                reporter.report(BenchRecord(bench: "mega", case: name, metric: "seeds_reaching_target", value: Double(medians.reached), unit: "seeds", baseline: Double(seeds.count)))
            }
        }
    }

    /// DAgger with each flawed expert alone (20 s each), then DAgger and MEGA-DAgger asking all
    /// three: seeds reaching −200, and the queries (answers of all three) to get there.
    func imperfectExperts(seeds: [UInt64], reporter: BenchReporter) async throws {
        let env = (id: "Pendulum-v1", target: -200.0)
        for flaw in Self.imperfections {
            let alone = try await measure(
                variant: ("dagger_alone", ["--algo", "dagger", "--set", "expert.imperfection='\(flaw)'", "--max-seconds", "20"]), env: env, seeds: seeds,
                reporter: reporter, name: "dagger with \(flaw) alone")
            reporter.report(BenchRecord(bench: "mega", case: Self.imperfectCase, metric: "dagger_\(flaw)_alone_seeds_reaching_target", value: Double(alone.reached), unit: "seeds", baseline: Double(seeds.count)))
        }
        let all = ["--set", "expert.imperfections=[\(Self.imperfections.map { "'\($0)'" }.joined(separator: ", "))]", "--max-seconds", "60"]
        for (name, algo) in [("dagger", "dagger"), ("mega", "mega-dagger")] {
            let together = try await measure(variant: (name, ["--algo", algo] + all), env: env, seeds: seeds, reporter: reporter, name: "\(name) with all three")
            reporter.report(BenchRecord(bench: "mega", case: Self.imperfectCase, metric: "\(name)_all_three_seeds_reaching_target", value: Double(together.reached), unit: "seeds", baseline: Double(seeds.count)))
            reporter.report(BenchRecord(bench: "mega", case: Self.imperfectCase, metric: "\(name)_all_three_expert_queries", value: together.queries, unit: "answers", baseline: together.queries))
        }
    }

    func measure(variant: (name: String, arguments: [String]), env: (id: String, target: Double), seeds: [UInt64], reporter: BenchReporter, name: String) async throws -> Medians {
        var queries: [Double] = [], unsafe: [Double] = [], steps: [Double] = [], seconds: [Double] = [], reached = 0
        for seed in seeds {
            let (summary, _) = try await TrainRun.summary(
                executable: executable,
                // The variant's own options last: they win (a shorter --max-seconds, say).
                arguments: ["--env", env.id, "--workers", "4", "--seed", "\(seed)", "--target-return=\(env.target)", "--max-seconds", "300"] + variant.arguments,
                label: "mega")
            // A seed that never reaches the target counts with everything it spent.
            let hit = summary.number("env_steps_to_target").map { !$0.isNaN } ?? false
            let suffix = hit ? "_to_target" : ""
            let q = summary.number("expert_queries" + suffix) ?? .nan, u = summary.number("unsafe_events" + suffix) ?? .nan, s = summary.number("env_steps" + suffix) ?? .nan
            let t = summary.number(hit ? "seconds_to_target" : "wall_seconds") ?? .nan
            if hit { reached += 1 }
            queries.append(q)
            unsafe.append(u)
            steps.append(s)
            seconds.append(t)
            reporter.note("\(name) seed \(seed): \(hit ? "reached" : "did not reach") \(env.target), \(Int(q)) queries, \(Int(u)) unsafe events, \(Int(s)) env steps, \(String(format: "%.2f", t)) s")
        }
        let median = { (values: [Double]) in Measure.median(values.sorted()) }
        return Medians(queries: median(queries), unsafe: median(unsafe), steps: median(steps), seconds: median(seconds), reached: reached, unsafeTotal: unsafe.reduce(0, +))
    }
}
