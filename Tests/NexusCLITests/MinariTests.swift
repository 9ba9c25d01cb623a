import Foundation
import NexusEnvironments
import NexusTestKit
import NexusWire
import Testing

/// `nexus demos import/export --format minari`, checked against the `minari` package itself.
@Suite("Minari datasets")
struct MinariTests {
    static let python = ClusterRenderTests.root.appendingPathComponent(".build-tools/venv/bin/python").path
    static let script = ClusterRenderTests.root.appendingPathComponent("Tests/Tools/minari_dataset.py").path

    static func minari(_ arguments: [String]) throws -> String {
        let (status, output) = spawnAndWait(python, ["-W", "ignore", script] + arguments)
        guard status == 0 else { throw MinariToolError(description: "minari_dataset.py \(arguments.joined(separator: " ")): \(output)") }
        return output
    }

    struct MinariToolError: Error, CustomStringConvertible { let description: String }

    @Test("a dataset built by the minari package imports, and BC trained on it reaches 475 on CartPole-v1")
    func behaviouralCloningFromMinari() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "\(Self.python) is missing: run .ci/install-deps")
        let directory = try ClusterRenderTests.temporaryDirectory()
        #expect(try Self.minari(["make", directory, "tests/cartpole-control-v0", "25"]).contains("25 episodes, 12500 steps"))
        let demos = directory + "/imported.nxdemo"
        let imported = try await NexusProcess.run(["demos", "import", "--format", "minari", directory + "/tests/cartpole-control-v0", "--out", demos])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("CartPole-v1, 25 episodes, 12500 steps, mean return 500.00"), "\(imported.stdout)")
        #expect(imported.stderr.contains("episode 25/25"), "progress: \(imported.stderr)")
        let run = directory + "/bc"
        let train = try await NexusProcess.run(
            ["train", "--algo", "bc", "--env", "CartPole-v1", "--demos", demos, "--run-dir", run, "--set", "learner.eval_episodes=50", "--set", "learner.eval_seed=123"])
        #expect(train.status == 0, "\(train.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(FileBytes.read(run + "/summary.json"))) as? [String: Any])
        #expect(summary["reached_target"] as? Bool == true)
        #expect(try #require((summary["eval_return_mean"] as? NSNumber)?.doubleValue) >= 475, "\(summary)")
    }

    @Test("round trip: Nexus episodes exported, read by minari.load_dataset, its environment rebuilt by recover_environment(), imported back identical (Discrete and Box actions)", arguments: [
        ("CartPole-v1", "tests/cartpole-roundtrip-v0", 4, "sutton_barto_reward=true", "sutton_barto_reward=True"),
        ("Pendulum-v1", "tests/pendulum-roundtrip-v0", 2, "g=9.81", "g=9.81"),
    ])
    func roundTrip(env: String, datasetID: String, episodes: Int, kwarg: String, recoveredKwarg: String) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "\(Self.python) is missing: run .ci/install-deps")
        let directory = try ClusterRenderTests.temporaryDirectory()
        let original = directory + "/original.nxdemo", back = directory + "/back.nxdemo"
        _ = try await NexusProcess.run(["demos", "record", "--env", env, "--env-kwarg", kwarg, "--episodes", "\(episodes)", "--seed", "9", "--out", original])
        let exported = try await NexusProcess.run(["demos", "export", "--format", "minari", original, "--out", directory + "/" + datasetID, "--dataset-id", datasetID])
        #expect(exported.status == 0, "\(exported.stderr)")
        let seen = try Self.minari(["check", directory, datasetID])
        let recorded = try DemonstrationFile.read(from: original)
        #expect(seen.contains("\(episodes) episodes, \(recorded.totalSteps) steps"), "\(seen)")
        let limit = try EnvironmentRegistry.type(for: env).spec.maxEpisodeSteps
        #expect(seen.contains("recovered \(env) (\(recoveredKwarg)) max_episode_steps \(limit)"), "\(seen)")
        let imported = try await NexusProcess.run(["demos", "import", "--format", "minari", directory + "/" + datasetID, "--out", back])
        #expect(imported.status == 0, "\(imported.stderr)")
        let read = try DemonstrationFile.read(from: back)
        #expect(read.header.envID == env)
        #expect(read.episodes.count == recorded.episodes.count)
        for (a, b) in zip(recorded.episodes, read.episodes) {
            #expect(a.observations == b.observations && a.actions == b.actions && a.rewards == b.rewards)
            #expect(a.terminated == b.terminated && a.truncated == b.truncated && a.expertActions == b.expertActions)
            #expect(a.finalObservations == b.finalObservations && a.completedEpisodeLengths == b.completedEpisodeLengths)
        }
    }

    @Test("datasets that do not fit are refused with the reason: an out-of-range action, another environment, not HDF5, nothing there")
    func misfitsRefused() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "\(Self.python) is missing: run .ci/install-deps")
        let directory = try ClusterRenderTests.temporaryDirectory()
        _ = try Self.minari(["make", directory, "tests/cartpole-bad-v0", "3", "--bad-action"])
        let dataset = directory + "/tests/cartpole-bad-v0"
        let notHDF5 = directory + "/not.hdf5"
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: notHDF5))
        let cases: [([String], String)] = [
            ([dataset], "episode_1/actions[3] = 5 is outside CartPole-v1's Discrete(2)"),
            ([dataset, "--env", "Acrobot-v1"], "was recorded on CartPole-v1, not Acrobot-v1"),
            ([notHDF5, "--env", "CartPole-v1"], "is not an HDF5 file"),
            ([directory + "/nothing"], "does not exist"),
            ([directory], "holds no data/main_data.hdf5"),
        ]
        for (arguments, message) in cases {
            let result = try await NexusProcess.run(["demos", "import", "--format", "minari"] + arguments + ["--out", directory + "/x.nxdemo"])
            #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/x.nxdemo"))
    }
}
