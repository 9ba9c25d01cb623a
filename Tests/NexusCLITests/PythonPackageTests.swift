import Foundation
import NexusPolicies
import NexusRandom
import NexusTestKit
import NexusWire
import Testing

/// The nexusrl package (python/) against Nexus itself: a checkpoint's policy as numpy acts as
/// Nexus's network does, and demonstration files cross between the two in both directions.
@Suite("The nexusrl package", .serialized)
struct PythonPackageTests {
    static let script = ClusterRenderTests.root.appendingPathComponent("Tests/Tools/nexusrl_check.py").path

    static func tool(_ arguments: [String]) throws -> String {
        let path = "PYTHONPATH=" + ClusterRenderTests.root.appendingPathComponent("python").path
        let (status, output) = spawnAndWait("/usr/bin/env", [path, PythonExpertTests.python, "-W", "ignore", script] + arguments)
        guard status == 0 else { throw ToolError(description: "nexusrl_check.py \(arguments.joined(separator: " ")): \(output)") }
        return output
    }

    struct ToolError: Error, CustomStringConvertible { let description: String }

    @Test("nexusrl.load_policy gives Nexus's actions for 1,000 observations (categorical: identical; Gaussian: to float rounding)", arguments: [
        ("CartPole-v1", 3.0), ("Pendulum-v1", 12.0),
    ])
    func loadPolicy(env: String, spread: Double) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: PythonExpertTests.python), "run .ci/install-deps")
        let directory = try ClusterRenderTests.temporaryDirectory()
        let trained = try await NexusProcess.run(
            ["train", "--algo", "ppo", "--env", env, "--workers", "1", "--set", "stop_at_target=false", "--set", "training.max_iterations=3", "--run-dir", directory + "/run"], timeout: 300)
        #expect(trained.status == 0, "\(trained.stderr)")
        let checkpoint = directory + "/run/checkpoints/latest.nxckpt"
        let policy = try PolicyNetwork(model: try #require(try CheckpointFile.read(checkpoint).weights.models.first { $0.kind == .policy }))
        var random = RandomSource(seed: 7)
        let rows = 1000
        let observations = (0..<(rows * policy.inputSize)).map { _ in random.nextFloat() * Float(spread) }
        let observationFile = directory + "/observations.f32", actionFile = directory + "/actions.f32"
        try observations.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: observationFile)) }
        #expect(try Self.tool(["actions", checkpoint, observationFile, actionFile]).contains("\(rows) rows"))
        let python = try Data(contentsOf: URL(fileURLWithPath: actionFile)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        var nexus = [Float](repeating: 0, count: rows * policy.actionDim)
        observations.withUnsafeBufferPointer { o in nexus.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: rows, into: $0) } }
        #expect(python.count == nexus.count)
        if policy.head == .categorical {
            #expect(python == nexus, "\(zip(python, nexus).filter { $0 != $1 }.count) of \(rows) actions differ")
            #expect(Set(nexus).count > 1, "the policy acts alike everywhere: the comparison would prove little")
        } else {
            let worst = zip(python, nexus).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst < 1e-5, "largest relative difference \(worst)")
        }
    }

    @Test("a demonstration file written by nexusrl (Gymnasium's CartPole-v1, a Python rule) trains BC to 475; nexusrl reads Nexus's files")
    func demonstrationsBothWays() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: PythonExpertTests.python), "run .ci/install-deps")
        let directory = try ClusterRenderTests.temporaryDirectory()
        let written = directory + "/python.nxdemo"
        #expect(try Self.tool(["write-demos", written, "20"]).contains("20 episodes"))
        let info = try await NexusProcess.run(["demos", "info", written])
        #expect(info.status == 0 && info.stdout.contains("CartPole-v1") && info.stdout.contains("20 episodes"), "\(info.stdout)\(info.stderr)")
        let bc = try await NexusProcess.run(
            ["train", "--algo", "bc", "--env", "CartPole-v1", "--demos", written, "--run-dir", directory + "/bc", "--set", "learner.eval_episodes=50"], timeout: 300)
        #expect(bc.status == 0, "\(bc.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/bc/summary.json"))) as? [String: Any])
        #expect(try #require((summary["eval_return_mean"] as? NSNumber)?.doubleValue) >= 475, "\(summary)")
        let recorded = directory + "/nexus.nxdemo"
        #expect(try await NexusProcess.run(["demos", "record", "--env", "Pendulum-v1", "--episodes", "3", "--out", recorded]).status == 0)
        let file = try DemonstrationFile.read(from: recorded)
        let mean = file.episodes.map { $0.rewards.reduce(0.0) { $0 + Double($1) } }.reduce(0, +) / 3
        let read = try Self.tool(["read-demos", recorded])
        #expect(read.contains("Pendulum-v1: 3 episodes, 600 steps, mean return \(String(format: "%.2f", mean))"), "\(read)")
        // A damaged file is refused with the reason, as Nexus refuses it.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: recorded))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: recorded))
        #expect { try Self.tool(["read-demos", recorded]) } throws: { "\($0)".contains("its checksum does not match its contents") }
    }
}
