import Foundation
import NexusTestKit
import Testing

/// `--expert-python sb3:PATH.zip`: a Stable-Baselines3 PPO model, trained here with
/// rl-baselines3-zoo's CartPole-v1 settings (Tests/Tools/sb3_expert.py), as the expert of
/// DAgger through the cluster and of `demos record` for BC.
/// Not under AddressSanitizer: what it adds to the Python-expert tests is the learning with an
/// SB3 model, checked in the plain run; its Nexus paths are theirs (and CI's time is bounded).
@Suite(
    "A Stable-Baselines3 model as the expert", .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["ASAN_OPTIONS"] == nil, "the learning is checked in the plain run"))
struct StableBaselinesExpertTests {
    static let python = GymEnvironmentTests.python
    static let environment = GymEnvironmentTests.environment
    static let tools = ["--python", python]

    struct TrainingFailed: Error, CustomStringConvertible { let description: String }

    /// Trains the model once for the suite's tests.
    static let model: Result<String, TrainingFailed> = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-sb3-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            return .failure(TrainingFailed(description: "\(error)"))
        }
        let path = folder + "/ppo-cartpole.zip"
        let script = GymEnvironmentTests.root.appendingPathComponent("Tests/Tools/sb3_expert.py").path
        let (status, output) = spawnAndWait(
            "/usr/bin/env", ["PYTHONPATH=" + environment["PYTHONPATH"]!, "timeout", "900", python, "-W", "ignore", script, "train", path, "0"])
        return status == 0 ? .success(path) : .failure(TrainingFailed(description: "sb3_expert.py train: status \(status): \(output)"))
    }()

    static func trainedModel() async throws -> String {
        try GymEnvironmentTests.requirePython()
        return try await offCooperativePool { try model.get() }
    }

    @Test("DAgger through the cluster (2 workers) with the SB3 model as the expert reaches 475 on gym:CartPole-v1")
    func dagger() async throws {
        let model = try await Self.trainedModel()
        let run = try await ClusterRun.train(
            ["--algo", "dagger", "--env", "gym:CartPole-v1", "--expert-python", "sb3:" + model, "--workers", "2", "--seed", "1"] + Self.tools,
            environment: Self.environment)
        #expect(await run.finish(within: 400) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.flag("reached_target") == true, "\(run.outputText)")
        #expect(try #require(summary.number("eval_return_mean")) >= 475)
        #expect(try #require(summary.number("expert_queries")) > 0)
    }

    @Test("demos record with the SB3 model, then BC through the cluster, reaches 475 on gym:CartPole-v1")
    func recordAndClone() async throws {
        let model = try await Self.trainedModel()
        let demos = (model as NSString).deletingLastPathComponent + "/sb3.nxdemo"
        let recorded = try await NexusProcess.run(
            ["demos", "record", "--env", "gym:CartPole-v1", "--expert-python", "sb3:" + model, "--episodes", "20", "--seed", "4", "--out", demos] + Self.tools,
            timeout: 400, environment: Self.environment)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(recorded.stdout.contains("20 episodes"), "\(recorded.stdout)")
        let run = try await ClusterRun.train(["--algo", "bc", "--env", "gym:CartPole-v1", "--demos", demos] + Self.tools, environment: Self.environment)
        #expect(await run.finish(within: 300) == 0, "\(run.outputText)")
        #expect(try #require(run.summary?.number("eval_return_mean")) >= 475, "\(run.outputText)")
    }
}
