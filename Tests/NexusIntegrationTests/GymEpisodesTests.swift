import Foundation
import NexusTestKit
import Testing

/// `nexus demos record` and `nexus eval` with a `gym:` environment or a Python expert: the
/// real processes (nexus, `python -m nexusrl env`, `python -m nexusrl expert`).
@Suite("Episodes with gym: environments and Python experts", .serialized)
struct GymEpisodesTests {
    static let python = GymEnvironmentTests.python
    static let environment = GymEnvironmentTests.environment
    static let tools = ["--python", python]

    static func scratch(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-gym-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func json(_ text: String) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").last(where: { $0.hasPrefix("{") }), "no JSON in \(text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("a Python expert's demonstrations of gym:CartPole-v1 train BC through the cluster to 475; eval --json scores the policy against random and that expert")
    func recordTrainEvaluate() async throws {
        try GymEnvironmentTests.requirePython()
        let folder = try Self.scratch("bc")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let demos = folder + "/expert.nxdemo"
        let recorded = try await NexusProcess.run(
            ["demos", "record", "--env", "gym:CartPole-v1", "--expert-python", "cartpole_expert:act", "--episodes", "20", "--seed", "3", "--out", demos] + Self.tools,
            timeout: 300, environment: Self.environment)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(recorded.stdout.contains("gym:CartPole-v1, 20 episodes, 10000 steps, mean return 500.00"), "\(recorded.stdout)")
        let info = try await NexusProcess.run(["demos", "info", demos])
        #expect(info.stdout.contains("expert python cartpole_expert:act, seed 3"), "\(info.stdout)")
        let exported = try await NexusProcess.run(["demos", "export", "--format", "minari", demos, "--out", folder + "/minari"])
        #expect(exported.status == 64 && exported.stderr.contains("Minari export takes Nexus's own environments only"), "\(exported.stderr)")

        let run = try await ClusterRun.train(["--algo", "bc", "--env", "gym:CartPole-v1", "--demos", demos] + Self.tools, environment: Self.environment)
        #expect(await run.finish(within: 300) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(try #require(summary.number("eval_return_mean")) >= 475, "\(run.outputText)")

        let evaluated = try await NexusProcess.run(
            ["eval", "--env", "gym:CartPole-v1", "--policy", run.runDirectory + "/checkpoints/best.nxckpt", "--expert-python", "cartpole_expert:act", "--episodes", "20", "--json"]
                + Self.tools,
            timeout: 300, environment: Self.environment)
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let score = try Self.json(evaluated.stdout)
        #expect(try #require(score["mean_return"] as? Double) >= 475, "\(score)")
        #expect(score["expert_return"] as? Double == 500, "\(score)")
        #expect(try #require(score["random_return"] as? Double) < 50, "\(score)")
        #expect(try #require(score["normalised_score"] as? Double) >= 0.95, "\(score)")
        #expect(score["episodes"] as? Int == 20)

        // Without an expert baseline a gym: environment has no score, and says why.
        let unscored = try await NexusProcess.run(
            ["eval", "--env", "gym:CartPole-v1", "--policy", run.runDirectory + "/checkpoints/best.nxckpt", "--episodes", "4", "--json"] + Self.tools,
            timeout: 300, environment: Self.environment)
        let unscoredJSON = try Self.json(unscored.stdout)
        #expect(unscored.status == 0 && unscoredJSON["normalised_score"] == nil, "\(unscored.stdout)")
        #expect(unscored.stderr.contains("has no built-in expert"), "\(unscored.stderr)")
    }

    @Test("a Python expert on Nexus's own CartPole-v1: eval --expert and demos record act with it")
    func pythonExpertOnBuiltInEnvironment() async throws {
        try GymEnvironmentTests.requirePython()
        let folder = try Self.scratch("builtin")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let evaluated = try await NexusProcess.run(
            ["eval", "--env", "CartPole-v1", "--expert", "--expert-python", "cartpole_expert:act", "--episodes", "5", "--json"] + Self.tools,
            timeout: 300, environment: Self.environment)
        let result = try Self.json(evaluated.stdout)
        #expect(result["mean_return"] as? Double == 500 && result["policy"] as? String == "expert python cartpole_expert:act", "\(result) \(evaluated.stderr)")
        let recorded = try await NexusProcess.run(
            ["demos", "record", "--env", "CartPole-v1", "--expert-python", "cartpole_expert:act", "--episodes", "3", "--out", folder + "/d.nxdemo"] + Self.tools,
            timeout: 300, environment: Self.environment)
        #expect(recorded.stdout.contains("CartPole-v1, 3 episodes, 1500 steps"), "\(recorded.stdout) \(recorded.stderr)")
    }

    @Test("a Python expert answering one value a row ([N]) for a one-dimensional Box acts: eval --expert on MountainCarContinuous-v0 reaches the flag")
    func flatAnswersForOneDimensionalBox() async throws {
        try GymEnvironmentTests.requirePython()
        let evaluated = try await NexusProcess.run(
            ["eval", "--env", "MountainCarContinuous-v0", "--expert", "--expert-python", "mountaincar_expert:push", "--episodes", "3", "--json"] + Self.tools,
            timeout: 300, environment: Self.environment)
        let result = try Self.json(evaluated.stdout)
        #expect(evaluated.status == 0 && (result["mean_return"] as? Double ?? 0) > 50, "\(result) \(evaluated.stderr)")
    }

    @Test("keyword arguments go with the demonstrations: Python reads them back, and a BC run with other ones is refused before it starts")
    func kwargsTravelWithTheFile() async throws {
        try GymEnvironmentTests.requirePython()
        let folder = try Self.scratch("kwargs")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let demos = folder + "/sb.nxdemo"
        let recorded = try await NexusProcess.run(
            ["demos", "record", "--env", "gym:CartPole-v1", "--env-kwarg", "sutton_barto_reward=true", "--expert-python", "cartpole_expert:act", "--episodes", "2", "--out", demos]
                + Self.tools,
            timeout: 300, environment: Self.environment)
        // Sutton and Barto's reward: 0 a step, -1 at a failure; the rule never fails.
        #expect(recorded.status == 0 && recorded.stdout.contains("mean return 0.00"), "\(recorded.stdout) \(recorded.stderr)")
        let script = GymEnvironmentTests.root.appendingPathComponent("Tests/Tools/nexusrl_check.py").path
        let (status, read) = try await offCooperativePool {
            spawnAndWait("/usr/bin/env", ["PYTHONPATH=" + Self.environment["PYTHONPATH"]!, Self.python, "-W", "ignore", script, "read-demos", demos])
        }
        #expect(status == 0 && read.contains("gym:CartPole-v1: 2 episodes, 1000 steps") && read.contains("kwargs {'sutton_barto_reward': True}"), "\(read)")
        let refused = try await NexusProcess.run(
            ["train", "--algo", "bc", "--env", "gym:CartPole-v1", "--demos", demos, "--run-dir", folder + "/run"] + Self.tools, timeout: 300, environment: Self.environment)
        #expect(refused.status != 0 && refused.stderr.contains("was recorded on gym:CartPole-v1 with env_kwargs {\"sutton_barto_reward\":\"true\"}"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/run"))
    }

    @Test("a gym: environment whose registry names no threshold: the run has no target, its summary says null and its last line says so")
    func noThreshold() async throws {
        try GymEnvironmentTests.requirePython()
        let folder = try Self.scratch("no-target")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trained = try await NexusProcess.run(
            ["train", "--algo", "ppo", "--env", "gym:Pendulum-v1", "--workers", "1", "--set", "training.max_iterations=2", "--run-dir", folder + "/run"] + Self.tools,
            timeout: 300, environment: Self.environment)
        #expect(trained.status == 0, "\(trained.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/run/summary.json"))) as? [String: Any])
        #expect(summary["target_return"] is NSNull && summary["reached_target"] as? Bool == false, "\(summary)")
        #expect((trained.stdout + trained.stderr).contains("no target"), "\(trained.stdout) \(trained.stderr)")
    }

    @Test("an environment that raises or returns NaN while recording: counted, restarted, the episodes under way recorded again; every episode in the file is whole")
    func faultsWhileRecording() async throws {
        try GymEnvironmentTests.requirePython()
        let folder = try Self.scratch("faults")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let demos = folder + "/d.nxdemo"
        let recorded = try await NexusProcess.run(
            ["demos", "record", "--env", "gym:faulty_envs:FaultyCartPole-v0", "--env-kwarg", "faults=raise,nan", "--env-kwarg", "markers=\(folder)", "--env-kwarg", "every=30",
             "--expert-python", "cartpole_expert:act", "--episodes", "6", "--out", demos] + Self.tools,
            timeout: 300, environment: Self.environment)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(recorded.stderr.contains("the environment failed 2 time(s)"), "\(recorded.stderr)")
        #expect(recorded.stdout.contains("6 episodes, 3000 steps, mean return 500.00"), "\(recorded.stdout)")
    }

    @Test("eval and demos record refuse what they cannot run, naming it: no expert for a gym: environment, a Python expert that does not import or only errs, two experts")
    func refusals() async throws {
        try GymEnvironmentTests.requirePython()
        let noExpert = try await NexusProcess.run(
            ["demos", "record", "--env", "gym:CartPole-v1", "--episodes", "1", "--out", "/tmp/never.nxdemo"] + Self.tools, timeout: 300, environment: Self.environment)
        #expect(noExpert.status != 0 && noExpert.stderr.contains("gym:CartPole-v1 has no built-in expert"), "\(noExpert.stderr)")
        let noModule = try await NexusProcess.run(
            ["eval", "--env", "gym:CartPole-v1", "--expert", "--expert-python", "no_such_expert:act", "--episodes", "1"] + Self.tools, timeout: 300, environment: Self.environment)
        #expect(noModule.status != 0 && noModule.stderr.contains("No module named 'no_such_expert'"), "\(noModule.stderr)")
        // An expert that answers every query with an error: the command gives up, with its reason.
        let unusable = try await NexusProcess.run(
            ["eval", "--env", "gym:Pendulum-v1", "--expert", "--expert-python", "cartpole_expert:act", "--episodes", "1"] + Self.tools, timeout: 300, environment: Self.environment)
        // (Under load an error answer may come after the 2 s timeout: then it gives up on silence.)
        #expect(unusable.status != 0
            && (unusable.stderr.contains("answers were unusable; the last: the expert refused the query: IndexError") || unusable.stderr.contains("did not answer 5 queries")),
            "\(unusable.stderr)")
        let both = try await NexusProcess.run(
            ["demos", "record", "--env", "CartPole-v1", "--episodes", "1", "--out", "/tmp/never.nxdemo", "--expert-policy", "x", "--expert-python", "m:f"])
        #expect(both.status != 0 && both.stderr.contains("choose one expert"), "\(both.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never.nxdemo"))
    }
}
