import Foundation
import NexusTestKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Three test hosts in network namespaces (`cluster/netns-hosts`): the learner and the expert
/// on host 1 (10.213.0.1), one worker each on hosts 2 and 3, every role a real `nexus` process
/// in its namespace, CurveZMQ on (tcp on a non-loopback address). Partitions and packet loss
/// are nftables rules inside a worker's host.
@Suite("Several hosts (network namespaces)", .serialized, .enabled(if: MultiHost.available, "network namespaces or nftables are not available here (needs root): cluster/netns-hosts check"))
struct MultiHostTests {
    @Test("DAgger reaches 475 on CartPole-v1 with its workers on two other hosts, over CURVE; a client without the keys gets no status")
    func workersOnOtherHosts() async throws {
        let cluster = try MultiHost(name: "a")
        defer { cluster.tearDown() }
        let learner = try await cluster.start(algo: "dagger", extra: ClusterTrainingTests.longRun)
        #expect(await ClusterRun.waitUntil(seconds: 60) { learner.metricsRows(in: "run").count >= 1 })
        // From a worker host: with the keys, an answer; in plain text, none.
        #expect(try await cluster.status(from: 2, security: ["--set", "security.mode=curve"] + cluster.keySettings) == 0)
        #expect(try await cluster.status(from: 2, security: ["--set", "security.mode=none"]) == 1)
        #expect(await ClusterRun.waitUntil(seconds: 300) { learner.evaluated(atLeast: 475, in: "run") }, "no evaluation of 475")
        #expect(try await cluster.stop(learner) == 0, "\(learner.outputText)")
        let summary = try #require(learner.json("run/summary.json"))
        #expect(ClusterTrainingTests.stoppedByTest(summary), "\(summary["finish_reason"] ?? "")")
        #expect(summary.flag("reached_target") == true)
        #expect(learner.outputText.contains("worker 1 joined") && learner.outputText.contains("worker 2 joined"), "\(learner.outputText)")
        #expect(summary.number("rejected_messages") == 0)
    }

    @Test("a worker host cut off from the learner for 5 s is noticed (silent), rejoins when the path heals, and the run trains on to the target")
    func partitionHeals() async throws {
        let cluster = try MultiHost(name: "b")
        defer { cluster.tearDown() }
        let learner = try await cluster.start(algo: "dagger", extra: ClusterTrainingTests.longRun)
        #expect(await ClusterRun.waitUntil(seconds: 60) { learner.metricsRows(in: "run").count >= 2 })
        try cluster.script("cut", "2", "1")
        try await Task.sleep(for: .seconds(5))
        let silentDuringCut = try await cluster.silentSeconds(worker: 1)
        try cluster.script("heal", "2")
        var silentAfter = Double.infinity
        var patience = Patience(seconds: 60)
        while silentAfter > 2, patience.remains() {
            try await Task.sleep(for: .milliseconds(500))
            silentAfter = (try? await cluster.silentSeconds(worker: 1)) ?? .infinity
        }
        #expect(silentDuringCut >= 3, "the learner heard worker 1 through the cut")
        #expect(silentAfter <= 2, "worker 1 did not come back after the path healed")
        // Trains on after the rejoin, to the target.
        let rowsAtRejoin = learner.metricsRows(in: "run")
        let lastAtRejoin = ClusterTrainingTests.lastIteration(rowsAtRejoin)
        let after = ClusterTrainingTests.rowsAfterEvent
        #expect(await ClusterRun.waitUntil(seconds: 180) { ClusterTrainingTests.lastIteration(learner.metricsRows(in: "run")) >= lastAtRejoin + after }, "training stalled")
        #expect(await ClusterRun.waitUntil(seconds: 300) { learner.evaluated(atLeast: 475, after: rowsAtRejoin.count, in: "run") }, "no evaluation of 475 after the rejoin")
        #expect(try await cluster.stop(learner) == 0, "\(learner.outputText)")
        let summary = try #require(learner.json("run/summary.json"))
        #expect(ClusterTrainingTests.stoppedByTest(summary), "\(summary["finish_reason"] ?? "")")
        #expect(try #require(summary.number("iterations")) >= Double(lastAtRejoin + after))
        #expect(summary.flag("reached_target") == true)
        #expect(summary.number("rejected_messages") == 0, "a damaged message got through")
    }

    @Test("5 % packet loss at a worker host while 10 iterations are recorded: the run still reaches 475 and accepts no damaged message")
    func packetLoss() async throws {
        let cluster = try MultiHost(name: "c")
        defer { cluster.tearDown() }
        try cluster.script("lose", "2", "5")
        let learner = try await cluster.start(algo: "dagger", extra: [
            "--set", "stop_at_target=false", "--set", "training.max_iterations=1000000", "--set", "learner.eval_episodes=5", "--set", "max_seconds=3600",
        ])
        let rowsDuringLoss = 10
        #expect(await ClusterRun.waitUntil(seconds: 240) { learner.metricsRows(in: "run").count >= rowsDuringLoss }, "\(learner.outputText)")
        try cluster.script("heal", "2")
        #expect(await ClusterRun.waitUntil(seconds: 300) { learner.evaluated(atLeast: 475, in: "run") }, "no evaluation of 475")
        #expect(try await cluster.stop(learner) == 0, "\(learner.outputText)")
        let summary = try #require(learner.json("run/summary.json"))
        #expect(ClusterTrainingTests.stoppedByTest(summary), "\(summary["finish_reason"] ?? "")")
        #expect(summary.flag("reached_target") == true)
        #expect(summary.number("rejected_messages") == 0)
        #expect(try #require(summary.number("iterations")) >= Double(rowsDuringLoss))
    }
}

/// One set of namespaces and the roles in them.
final class MultiHost: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("cluster/netns-hosts").path

    static let available: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"), FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft") else { return false }
        return spawnAndWait(script, ["check"]).status == 0
    }()

    let prefix: String
    let directory: String
    private var roles: [ClusterRun] = []

    init(name: String) throws {
        prefix = "nx\(getpid() % 100_000)\(name)"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-hosts-\(prefix)").path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try script("up", "3")
        guard spawnAndWait(NexusProcess.executable.path, ["keys", "generate", directory + "/keys"]).status == 0 else { throw POSIXError(.EIO) }
    }

    var keySettings: [String] { ["--set", "security.keys=\(directory)/keys"] }

    /// Expert and learner on host 1, worker 1 on host 2 and worker 2 on host 3; returns the learner.
    func start(algo: String, extra: [String]) async throws -> ClusterRun {
        let host1 = "10.213.0.1"
        roles.append(try await ClusterRun(
            ["expert", "--env", "CartPole-v1", "--bind", "tcp://\(host1):5560"] + keySettings, runDirectory: directory, logName: "expert", host: "\(prefix)-1"))
        let learner = try await ClusterRun(
            ["learner", "--algo", algo, "--env", "CartPole-v1", "--run-dir", directory + "/run", "--set", "workers=2",
             "--set", "endpoints.control=tcp://\(host1):5557", "--set", "endpoints.trajectories=tcp://\(host1):5555",
             "--set", "endpoints.weights=tcp://\(host1):5556", "--set", "endpoints.expert=tcp://\(host1):5560"] + keySettings + extra,
            runDirectory: directory, logName: "learner", host: "\(prefix)-1")
        roles.append(learner)
        for worker in 1...2 {
            roles.append(try await ClusterRun(
                ["worker", "--learner", "tcp://\(host1):5557", "--worker-id", "\(worker)"] + keySettings,
                runDirectory: directory, logName: "worker-\(worker)", host: "\(prefix)-\(worker + 1)"))
        }
        return learner
    }

    /// Stops `learner` (host 1) with a control Stop sent from host 1 over CURVE; its exit status.
    func stop(_ learner: ClusterRun) async throws -> Int32? {
        try await learner.stop(reason: ClusterTrainingTests.stopReason, within: 180, keys: directory + "/keys", namespace: "\(prefix)-1")
    }

    /// `nexus status` of the learner from host `host`; its exit status.
    func status(from host: Int, security: [String]) async throws -> Int32? {
        let probe = try await ClusterRun(
            ["status", "tcp://10.213.0.1:5557", "--timeout", "10"] + security, runDirectory: directory, logName: "status-\(host)", host: "\(prefix)-\(host)")
        return await probe.finish(within: 30)
    }

    /// The learner's `worker_silent_seconds.<id>`, asked from host 1 over CURVE.
    func silentSeconds(worker: Int) async throws -> Double {
        let probe = try await ClusterRun(
            ["status", "tcp://10.213.0.1:5557", "--json", "--timeout", "10", "--set", "security.mode=curve"] + keySettings,
            runDirectory: directory, logName: "status", host: "\(prefix)-1")
        _ = await probe.finish(within: 30)
        let text = probe.outputText
        guard let data = text.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let value = (object["worker_silent_seconds.\(worker)"] as? NSNumber)?.doubleValue
        else { throw POSIXError(.EIO) }
        return value
    }

    func script(_ arguments: String...) throws {
        guard spawnAndWait(Self.script, [arguments[0], prefix] + arguments.dropFirst()).status == 0 else { throw POSIXError(.EPERM) }
    }

    func tearDown() {
        for role in roles where role.isRunning { kill(role.pid, SIGKILL) }
        _ = spawnAndWait(Self.script, ["down", prefix])
    }
}
