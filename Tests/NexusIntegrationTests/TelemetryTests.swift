import Foundation
import NexusTestKit
import Testing

/// What a run shows to the tools people watch training with, checked with those tools.
@Suite("Telemetry", .serialized)
struct TelemetryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appendingPathComponent(".build-tools/venv/bin/python").path

    static func tool(_ name: String) -> String { root.appendingPathComponent("Tests/Tools/\(name)").path }

    @Test("a DAgger run's tb/ read back by TensorBoard (its event reader and its server): every scalar equals metrics.csv")
    func tensorBoardMatchesCSV() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "\(Self.python) is missing: run .ci/install-deps")
        // Past the target, so that the curves have rows to compare.
        let run = try ClusterRun.train(["--algo", "dagger", "--env", "CartPole-v1", "--workers", "2", "--set", "stop_at_target=false", "--set", "training.max_iterations=25"])
        #expect(await ClusterRun.waitUntil(seconds: 120) { !run.isRunning }, "\(run.outputText)")
        #expect(run.process.terminationStatus == 0, "\(run.outputText)")
        #expect(run.metricsRows.count == 25)
        let (status, report) = spawnAndWait(Self.python, [Self.tool("check_tensorboard.py"), run.runDirectory])
        #expect(status == 0, "\(report)")
        #expect(report.contains("25 rows"), "\(report)")
        #expect(report.contains("served as in metrics.csv"), "\(report)")
    }
}
