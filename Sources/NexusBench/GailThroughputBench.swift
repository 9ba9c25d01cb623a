import Foundation

/// `nexus bench gail-throughput --python PY [--reference-python IMITATION_PY]`: env steps/s of
/// the whole GAIL loop (rollouts, discriminator and PPO updates) on `gym:HalfCheetah-v5` through
/// the cluster (`nexus train`, 2 workers), with the settings of imitation's tuned seals
/// HalfCheetah GAIL (benchmarks/IMITATION_REFERENCE.md), so that both loops do the same work:
/// 8 environment copies, 4,096 env steps a round, 32 × 32 networks, 5 PPO epochs of minibatch
/// 64, 8 discriminator updates of 8,192 transitions each. Demonstrations: episodes of one
/// expert (`benchmarks/experts/HalfCheetah-v5.nxckpt`), the same file for both.
///
/// Baseline: imitation's GAIL with those settings on HalfCheetah-v4 (its Gymnasium has no v5;
/// the same robot) in the same run (`tools/imitation_gail_reference.py`), or without
/// `--reference-python` the figure recorded on this machine kind.
public struct GailThroughputBench: Sendable {
    public var settings: BenchSettings
    public var executable: URL
    public var python: String
    public var referencePython: String?
    public var expertPolicy: String

    public init(_ settings: BenchSettings, executable: URL, python: String, referencePython: String?, expertPolicy: String) {
        (self.settings, self.executable, self.python, self.referencePython, self.expertPolicy) = (settings, executable, python, referencePython, expertPolicy)
    }

    public static let caseName = "gail_HalfCheetah-v5"
    /// imitation 1.0.1's loop with these settings on this machine kind (2 vCPUs, 2026-12-06).
    static let recordedReference = 1014.0

    static let imitationSettings = [
        "worker.envs=4", "worker.segment_steps=512", "training.samples_per_iteration=4096",
        "policy.hidden_sizes=[32,32]", "policy.activation=tanh", "policy.learning_rate=2.625e-4", "policy.batch_size=64",
        "ppo.epochs=5", "ppo.gamma=0.95", "ppo.gae_lambda=0.95", "ppo.clip_range=0.1", "ppo.entropy_coefficient=4e-6",
        "ppo.value_coefficient=0.1148", "ppo.max_grad_norm=0.8", "ppo.log_std_init=0", "ppo.orthogonal_init=true",
        "adversarial.hidden_sizes=[32,32]", "adversarial.activation=relu", "adversarial.updates_per_iteration=8",
        "adversarial.batch_size=8192", "adversarial.learning_rate=1e-3",
        // imitation's GAIL neither starts from nor holds to behaviour cloning.
        "adversarial.warm_start_steps=0", "adversarial.demonstration_weight=0",
    ]

    public func run(_ reporter: BenchReporter) async throws {
        try settings.requireMatch(in: [Self.caseName], bench: "gail-throughput")
        guard settings.selected(Self.caseName) else { return }
        guard FileManager.default.isReadableFile(atPath: expertPolicy) else {
            throw EndToEndFailure(description: "the expert \(expertPolicy) is missing (benchmarks/experts/train HalfCheetah-v5 makes it; --expert-policy names another)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-bench-gail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let demos = directory.appendingPathComponent("expert.nxdemo").path
        let episodes = settings.quick ? 2 : 20
        try ReferenceScripts.check(
            try ReferenceScripts.run(executable.path, ["demos", "record", "--env", "gym:HalfCheetah-v5", "--python", python, "--episodes", "\(episodes)",
                                           "--expert-policy", expertPolicy, "--out", demos]),
            what: "recording the demonstrations")
        let steps = settings.quick ? 16_384 : 409_600
        let reference = try referenceStepsPerSecond(demos: demos, steps: settings.quick ? 8_192 : 65_536, reporter: reporter)
        var rates: [Double] = []
        for seed in settings.quick ? [1] : [1, 2, 3] {
            let overrides = ["stop_at_target=false", "total_env_steps=\(steps)", "learner.eval_every=1000000"] + Self.imitationSettings
            let (summary, launched) = try await TrainRun.summary(
                executable: executable,
                arguments: ["--algo", "gail", "--env", "gym:HalfCheetah-v5", "--workers", "2", "--seed", "\(seed)", "--python", python, "--demos", demos]
                    + overrides.flatMap { ["--set", $0] },
                label: "gail-throughput")
            guard let collected = summary.number("env_steps"), collected > 0 else { throw EndToEndFailure(description: "GAIL seed \(seed) collected no env steps") }
            // From launch to the end: start-up included (the reference's is not).
            let seconds = Date().timeIntervalSince1970 - launched
            rates.append(collected / seconds)
            reporter.note(String(format: "nexus GAIL seed %d: %.0f env steps in %.1f s from launch, %.0f env steps/s", seed, collected, seconds, collected / seconds))
        }
        reporter.report(BenchRecord(bench: "gail-throughput", case: Self.caseName, metric: "env_steps_per_s", value: Measure.median(rates.sorted()), unit: "st/s", baseline: reference))
    }

    /// imitation's loop on this machine now, or the recorded figure.
    func referenceStepsPerSecond(demos: String, steps: Int, reporter: BenchReporter) throws -> Double {
        guard let referencePython else {
            reporter.note("baseline: imitation's GAIL loop with these settings as recorded on this machine kind (\(Int(Self.recordedReference)) env steps/s); --reference-python measures it now")
            return Self.recordedReference
        }
        let what = "the reference GAIL script"
        let result = try ReferenceScripts.result(
            of: "imitation_gail_reference.py", python: referencePython, ["--env", "HalfCheetah-v4", "--demos", demos, "--steps", "\(steps)"],
            environment: ["PYTHONPATH": Self.pythonPackage], what: what)
        let rate = try ReferenceScripts.number("env_steps_per_second", in: result, what: what)
        reporter.note(String(format: "imitation GAIL on HalfCheetah-v4, same settings and demonstrations: %.0f env steps/s", rate))
        return rate
    }

    /// The repository's `python/` (the reference script reads demonstrations with it).
    static var pythonPackage: String {
        URL(fileURLWithPath: ReferenceScripts.path("imitation_gail_reference.py")).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python").path
    }
}
