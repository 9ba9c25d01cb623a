import Foundation
import Logging
import NexusRuntime
import NexusTestKit
import NexusTransport
import NexusWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A learner killed at any moment (not only just after a checkpoint) resumes and trains on:
/// the versions it publishes are newer than any its predecessor published (workers follow
/// them), and the rows its predecessor wrote past the checkpoint are rewound.
@Suite("Learner crashes", .serialized)
struct LearnerCrashTests {
    static let kills = 10

    @Test("SIGKILL to the learner at 10 random moments: each restart trains again within a few iterations, no DAgger label is dropped for its version, metrics.csv holds each iteration once, and the run reaches its target",
          arguments: ["dagger", "ppo"])
    func killedTenTimes(algo: String) async throws {
        let run = try await ClusterRun.train([
            "--algo", algo, "--env", "CartPole-v1", "--workers", "2", "--seed", "2",
            "--set", "stop_at_target=false", "--set", "training.max_iterations=1000000", "--set", "max_seconds=3600",
            "--set", "launcher.max_learner_restarts=\(Self.kills + 5)",
        ])
        defer { if run.isRunning { kill(run.pid, SIGKILL) } }
        #expect(await ClusterRun.waitUntil(seconds: 120) { run.endpoints(of: "learner")["control"] != nil }, "\(run.outputText)")
        let status = try StatusClient(endpoint: try Endpoint(parsing: try #require(run.endpoints(of: "learner")["control"])), logger: Logger(label: "test"))
        var resumedFrom = 0
        var landings: [String] = []
        for kill in 1...Self.kills {
            // Trains again: a few iterations past the checkpoint it resumed from (a resumed
            // learner that stalls never gets there); and a checkpoint exists, so that the kill
            // tests a resume (a learner killed before its first starts afresh instead).
            let trained = await ClusterRun.waitUntil(seconds: 180) {
                (Self.lastIteration(run) ?? 0) >= resumedFrom + 3 && Self.newestCheckpointIteration(run) > 0
            }
            #expect(trained, "after restart \(kill - 1), no iteration past \(Self.lastIteration(run) ?? 0) (resumed from \(resumedFrom))\n\(run.log("learner").suffix(3000))")
            guard trained else { return }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...1000)))
            // Every incarnation's counts, read just before its end (a resumed learner counts on
            // from its checkpoint, so what it saw after that would otherwise be lost).
            var current: ControlMessage.Status?
            for _ in 0..<30 where current == nil { current = await status.status(timeout: 1) }
            let answer = try #require(current, "the learner does not answer status")
            if algo == "dagger" { #expect(answer[metric: "stale_segments_dropped"] == 0, "labelled segments dropped for their version before kill \(kill)") }
            let victim = try #require(run.processes["learner"])
            Glibc.kill(victim, SIGKILL)
            // Where the kill landed: iterations recorded past the newest checkpoint.
            #expect(await ClusterRun.waitUntil(seconds: 10) { !ClusterRun.isAlive(victim) })
            let rowsAtKill = Self.lastIteration(run) ?? 0
            let checkpoint = Self.newestCheckpointIteration(run)
            landings.append("\(rowsAtKill)/\(checkpoint)")
            #expect(await ClusterRun.waitUntil(seconds: 180) { (run.processes["learner"] ?? victim) != victim }, "the learner was not restarted after kill \(kill)\n\(run.outputText)")
            resumedFrom = checkpoint
        }
        print("\(algo): the learner was killed with rows/checkpoint at \(landings)")
        let pastCheckpoint = landings.filter { let parts = $0.split(separator: "/"); return parts[0] != parts[1] }.count
        #expect(pastCheckpoint >= 1, "every kill landed right after a checkpoint (rows/checkpoint: \(landings))")
        // After the last restart: trained on to the target.
        let reached = await ClusterRun.waitUntil(seconds: 300) {
            run.metricsRows.contains { (Int($0["iteration"] ?? "") ?? 0) > resumedFrom && (Double($0["eval_return_mean"] ?? "") ?? -1) >= 475 }
        }
        #expect(reached, "no evaluation of 475 after the last restart (kills at rows/checkpoint \(landings))\n\(run.log("learner").suffix(3000))")
        var last: ControlMessage.Status?
        for _ in 0..<30 where last == nil { last = await status.status(timeout: 1) }
        if algo == "dagger" { #expect(last?[metric: "stale_segments_dropped"] == 0) }
        await status.close()
        kill(run.pid, SIGINT)
        #expect(await run.finish(within: 120) == 130, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.number("learner_restarts") == Double(Self.kills))
        if algo == "dagger" { #expect(summary.number("stale_segments_dropped") == 0) }
        let iterations = run.metricsRows.compactMap { Int($0["iteration"] ?? "") }
        #expect(iterations == Array(1...(iterations.last ?? 0)), "each iteration once, in order")
        let versions = run.metricsRows.compactMap { Int($0["policy_version"] ?? "") }
        #expect(zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 }, "policy versions never go back: \(versions)")
        #expect(run.log("learner").components(separatedBy: "resumed from").count - 1 == Self.kills)
    }

    static func lastIteration(_ run: ClusterRun) -> Int? { run.metricsRows.compactMap { Int($0["iteration"] ?? "") }.last }

    /// The iteration of the newest numbered checkpoint (what a restarted learner resumes from).
    static func newestCheckpointIteration(_ run: ClusterRun) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: run.runDirectory + "/checkpoints")) ?? []
        return names.filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".nxckpt") }.sorted().last
            .flatMap { Int($0.dropFirst("checkpoint-".count).dropLast(".nxckpt".count)) } ?? 0
    }
}
