import Foundation
import NexusTestKit
import NexusWire
import Testing

/// `--expert-python MODULE:CALLABLE`: a Python callable served by `python -m nexusrl expert`
/// (python/nexusrl) as the run's expert, through the real cluster.
@Suite("Python experts", .serialized)
struct PythonExpertTests {
    static let python = ClusterRenderTests.root.appendingPathComponent(".build-tools/venv/bin/python").path
    /// The working tree's nexusrl and the test experts (Tests/Tools/cartpole_expert.py).
    static let environment = [
        "PYTHONPATH": ClusterRenderTests.root.appendingPathComponent("python").path + ":" + ClusterRenderTests.root.appendingPathComponent("Tests/Tools").path,
    ]

    static func train(_ arguments: [String], runDirectory: String) async throws -> NexusProcess.Result {
        try await NexusProcess.run(
            ["train", "--algo", "dagger", "--env", "CartPole-v1", "--python", python, "--run-dir", runDirectory] + arguments, timeout: 300, environment: environment)
    }

    static func summary(_ directory: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/summary.json"))) as? [String: Any])
    }

    @Test("DAgger on CartPole-v1 with a Python callable as the expert, 4 workers: reaches 475, the expert answering every query")
    func callableExpert() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "\(Self.python) is missing: run .ci/install-deps")
        let directory = try ClusterRenderTests.temporaryDirectory() + "/run"
        let result = try await Self.train(["--workers", "4", "--expert-python", "cartpole_expert:act", "--seed", "1"], runDirectory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Self.summary(directory)
        #expect((summary["reached_target"] as? NSNumber)?.boolValue == true, "\(summary)")
        #expect(try #require((summary["eval_return_mean"] as? NSNumber)?.doubleValue) >= 475)
        #expect(try #require((summary["expert_queries"] as? NSNumber)?.doubleValue) > 0)
        let log = FileBytes.text(directory + "/logs/expert.log") ?? ""
        #expect(log.contains("nexusrl expert cartpole_expert:act listening on tcp://127.0.0.1:"), "\(log)")
        #expect(log.contains("nexusrl expert stopped") && log.contains("expert_errors 0"), "\(log)")
    }

    @Test("an expert that raises or answers the wrong shape gets error answers, counted (the expert's log, the run's summary); the run still reaches 475")
    func flakyExpert() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "\(Self.python) is missing: run .ci/install-deps")
        let directory = try ClusterRenderTests.temporaryDirectory() + "/run"
        let result = try await Self.train(["--workers", "2", "--expert-python", "cartpole_expert:flaky"], runDirectory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Self.summary(directory)
        #expect((summary["reached_target"] as? NSNumber)?.boolValue == true)
        // The workers' count reaches the summary through their heartbeats (the first error,
        // at call 4, is followed by a 2 s wait before the query is asked again).
        #expect(((summary["expert_retries"] as? NSNumber)?.intValue ?? 0) >= 1, "\(summary)")
        let log = FileBytes.text(directory + "/logs/expert.log") ?? ""
        #expect(log.contains("RuntimeError: call 4 fails on purpose"), "\(log)")
        #expect(log.contains("ValueError: the expert returned an array of shape"), "\(log)")
        let errors = log.split(separator: "\n").last { $0.contains("nexusrl expert stopped") }.flatMap { line in
            line.components(separatedBy: "expert_errors ").last?.split(separator: ",").first.flatMap { Int($0) }
        }
        #expect((errors ?? 0) >= 2, "\(log)")
    }

    @Test("an expert that cannot load (no such module, no such callable, no nexusrl) is refused before anything starts, with Python's reason")
    func refusedBeforeStart() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "\(Self.python) is missing: run .ci/install-deps")
        let scratch = try ClusterRenderTests.temporaryDirectory()
        // The system's python3 has no nexusrl (the tests' venv has it).
        let cases: [(String, String, String)] = [
            ("no_such_module:act", Self.python, "No module named 'no_such_module'"),
            ("cartpole_expert:missing", Self.python, "cartpole_expert has no missing"),
            ("cartpole_expert:act", "/usr/bin/python3", "has no nexusrl package"),
        ]
        for (index, (expert, python, reason)) in cases.enumerated() {
            let directory = scratch + "/run-\(index)"
            let result = try await NexusProcess.run(
                ["train", "--algo", "dagger", "--env", "CartPole-v1", "--python", python, "--expert-python", expert, "--run-dir", directory],
                timeout: 120, environment: python == Self.python ? Self.environment : ["PYTHONPATH": ""])
            #expect(result.status == 64 && result.stderr.contains(reason), "\(expert): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory), "\(expert): the run directory was created")
        }
        let mixed = try await NexusProcess.run(["train", "--expert-python", "cartpole_expert:act", "--expert-policy", scratch + "/x.nxckpt"])
        #expect(mixed.status == 64 && mixed.stderr.contains("leave out expert.policy"), "\(mixed.stderr)")
    }
}
