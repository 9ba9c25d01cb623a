import Foundation
import NexusTransport
import NexusWire
import Testing

@testable import NexusRuntime

/// The rules that let a run survive its learner's crash and refuse what would mix two runs:
/// version reservations, rewinding metrics and events past a checkpoint, checkpoints under
/// fixed names, run directories that hold a run, worker ids held by a live worker.
@Suite("Restart rules")
struct RestartRulesTests {
    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-restart-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("versions: a restarted learner starts past every reserved version; a block is reserved once per 64 versions")
    func versionReservation() {
        #expect(VersionReservation.firstVersion(checkpointVersion: nil, reserved: 500) == 1, "a new run (another run id) starts at 1")
        // The case of the issue: checkpoint at 195, workers hold 198 (reserved up to 256).
        #expect(VersionReservation.firstVersion(checkpointVersion: 195, reserved: 256) == 257)
        #expect(VersionReservation.firstVersion(checkpointVersion: 300, reserved: 256) == 301)
        #expect(VersionReservation.firstVersion(checkpointVersion: 195, reserved: nil) == 196, "no file: as before")
        #expect(VersionReservation.firstVersion(checkpointVersion: 195, reserved: UInt64.max) == 196, "a damaged bound is ignored")
        var reservation = VersionReservation()
        #expect(reservation.reserve(toPublish: 1) == 64)
        for version in 2...64 { #expect(reservation.reserve(toPublish: UInt64(version)) == nil) }
        #expect(reservation.reserve(toPublish: 65) == 128)
        // Resumed at 257: its first publication reserves the next block at once.
        var resumed = VersionReservation()
        #expect(resumed.reserve(toPublish: 257) == 320)
        #expect(VersionReservation.decode(VersionReservation.encode(320)) == 320)
        #expect(VersionReservation.decode("12 apples") == nil && VersionReservation.decode("\(UInt64.max)") == nil)
    }

    @Test("metrics.csv rewound to a checkpoint: later rows and a torn last row go, nothing else changes")
    func metricsRewind() throws {
        let text = "iteration,wall_seconds,eval_return_mean\n1,0.5,10\n2,1.0,\n3,1.5,30\n4,2.0,40\n5,2.5"
        #expect(MetricsLog.rewound(text, toIteration: 3) == "iteration,wall_seconds,eval_return_mean\n1,0.5,10\n2,1.0,\n3,1.5,30\n")
        #expect(MetricsLog.rewound(text, toIteration: 0) == "iteration,wall_seconds,eval_return_mean\n")
        let whole = "iteration,x\n1,2\n2,3\n"
        #expect(MetricsLog.rewound(whole, toIteration: 9) == whole)
        let path = try temporaryDirectory() + "/metrics.csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try MetricsLog.rewind(path, toIteration: 2)
        #expect(try MetricsLog.rows(at: path).map { $0["iteration"] } == [1, 2])
        // A resumed log appends under the same header.
        try MetricsLog(path: path).append([("iteration", 3), ("wall_seconds", 9), ("eval_return_mean", 7)])
        #expect(try MetricsLog.rows(at: path).map { $0["iteration"] } == [1, 2, 3])
        try MetricsLog.rewind(try temporaryDirectory() + "/absent.csv", toIteration: 1)
    }

    @Test("events files rewound to a checkpoint: rows past its iteration (steps are env steps) and a torn record go, in every earlier file")
    func tensorBoardRewind() throws {
        let directory = try temporaryDirectory()
        let log = try TensorBoardLog(directory: directory)
        for iteration in 1...6 { try log.append(step: 100 * iteration, [("iteration", Double(iteration)), ("eval_return_mean", Double(iteration))]) }
        // A crash in the middle of a record.
        let torn = TFRecord.frame(TensorBoardCodec.encode(.scalars(wallTime: 1, step: 700, values: [TensorBoardScalar(tag: "time/iteration", value: 7)])))
        let handle = try #require(FileHandle(forWritingAtPath: log.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(torn.prefix(torn.count - 3)))
        try handle.close()
        #expect(TensorBoardLog.rewind(directory, toIteration: 4).isEmpty)
        let events = try TFRecord.records(in: try FileBytes.read(log.path)).map { try TensorBoardCodec.decode($0) }
        let steps = events.compactMap { event -> Int64? in if case .scalars(_, let step, _) = event { return step } else { return nil } }
        #expect(steps == [100, 200, 300, 400])
        #expect(events.count == 5, "the file-version record stays")
        let size = try FileBytes.read(log.path).count
        #expect(TensorBoardLog.rewind(directory, toIteration: 4).isEmpty)
        #expect(try FileBytes.read(log.path).count == size, "nothing to drop: the file is not rewritten")
        // A file damaged in its middle is reported and left alone.
        let damaged = directory + "/events.out.tfevents.1.damaged"
        try Data(repeating: 0xAB, count: 64).write(to: URL(fileURLWithPath: damaged))
        let problems = TensorBoardLog.rewind(directory, toIteration: 2)
        #expect(problems.count == 1 && problems[0].contains("damaged"))
        #expect(try FileBytes.read(damaged).count == 64)
    }

    @Test("metrics.csv columns become grouped TensorBoard tags, without the group's own prefix")
    func tensorBoardTags() {
        let tags = ["eval_return_mean", "env_steps_per_second", "expert_queries", "discriminator_loss", "model_error", "iteration", "rejected_messages", "policy_loss", "approx_kl", "eval"]
            .map(TensorBoardTags.tag(for:))
        #expect(tags == [
            "eval/return_mean", "rollout/env_steps_per_second", "expert/queries", "discriminator/loss", "model/error", "time/iteration",
            "network/rejected_messages", "train/policy_loss", "train/approx_kl", "train/eval",
        ])
        // Every column belongs to one group at most.
        let all = TensorBoardTags.groups.flatMap(\.columns)
        #expect(Set(all).count == all.count)
    }

    @Test("checkpoints under fixed names: latest.nxckpt follows the newest numbered file through rotation; best.nxckpt is its own")
    func fixedNames() throws {
        let store = CheckpointStore(directory: try temporaryDirectory(), keep: 2)
        func checkpoint(_ iteration: UInt64) -> Checkpoint {
            Checkpoint(runID: "r", algo: "dagger", envID: "CartPole-v1", iteration: iteration,
                       weights: Weights(version: iteration + 1, models: [Model(kind: .policy, name: "policy", parameters: [])]))
        }
        for iteration in 1...5 { _ = try store.save(checkpoint(UInt64(iteration))) }
        #expect(try CheckpointFile.read(store.latestPath).iteration == 5)
        #expect(store.files().count == 2, "latest.nxckpt and best.nxckpt are not numbered checkpoints")
        try store.saveBest(checkpoint(2))
        _ = try store.save(checkpoint(6))
        #expect(try CheckpointFile.read(store.bestPath).iteration == 2)
        #expect(try CheckpointFile.read(store.latestPath).iteration == 6)
        #expect(try store.latest().checkpoint.iteration == 6)
        // Resuming reads numbered files only: a damaged newest one falls back to the one before.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: store.files().last!))
        #expect(try store.latest().checkpoint.iteration == 5)
    }

    @Test("a run directory's earlier run is found by its own files; clearing removes only those")
    func earlierRun() throws {
        let path = try temporaryDirectory()
        #expect(RunDirectory.earlierRun(at: path).isEmpty)
        #expect(RunDirectory.earlierRun(at: path + "/absent").isEmpty)
        let run = try RunDirectory(path: path)
        try Data("a,b\n".utf8).write(to: URL(fileURLWithPath: run.metrics))
        try Data("x".utf8).write(to: URL(fileURLWithPath: path + "/notes.txt"))
        #expect(RunDirectory.earlierRun(at: path) == ["logs", "endpoints", "roles", "metrics.csv", "checkpoints"])
        // Without a config.yaml that loads it is not a run: a user's folder keeps its logs/.
        #expect(throws: RuntimeError.self) { try RunDirectory.clear(path) }
        #expect(RunDirectory.earlierRun(at: path).count == 5)
        try Data(try ConfigLoader.yaml(RunConfig()).utf8).write(to: URL(fileURLWithPath: run.config))
        #expect(RunDirectory.earlierRun(at: path, among: RunDirectory.learnerOutputs) == ["metrics.csv", "checkpoints"])
        try RunDirectory.clearLearnerOutputs(path)
        #expect(RunDirectory.earlierRun(at: path) == ["config.yaml", "logs", "endpoints", "roles"])
        try RunDirectory.clear(path)
        #expect(RunDirectory.earlierRun(at: path).isEmpty)
        #expect(FileManager.default.fileExists(atPath: path + "/notes.txt"), "a file that is not the run's stays")
    }

    @Test("a worker id held by another live process is refused until that one has been silent for the window")
    func duplicateWorkerID() {
        let plane = ControlPlane(runID: "run", workers: 2, workerTimeoutSeconds: 5, idHeldSeconds: 2.5)
        let start = ContinuousClock.now
        let first = PeerID(Array("worker-1-100".utf8)), second = PeerID(Array("worker-1-200".utf8))
        let hello = { (pid: UInt32) in ControlMessage.Hello(workerID: 1, host: "h", pid: pid, numEnvs: 0, nexusVersion: "x") }
        #expect(plane.welcome(first, hello(100), at: start).0.refused.isEmpty)
        let refused = plane.welcome(second, hello(200), at: start + .seconds(1)).0
        #expect(refused.refused.contains("worker id 1 is in use by h pid 100"), "\(refused.refused)")
        #expect(refused.runConfig.isEmpty && refused.weights == nil)
        // The same process saying hello again (its welcome was lost) is welcomed.
        #expect(plane.welcome(first, hello(100), at: start + .seconds(1.5)).0.refused.isEmpty)
        // Another id is free.
        #expect(plane.welcome(second, .init(workerID: 2, host: "h", pid: 200, numEnvs: 0, nexusVersion: "x"), at: start + .seconds(1.6)).0.refused.isEmpty)
        // The first one dies: after 2.5 s of its silence, a restart with a new pid gets in.
        let restarted = PeerID(Array("worker-1-300".utf8))
        #expect(!plane.welcome(restarted, hello(300), at: start + .seconds(3.9)).0.refused.isEmpty)
        #expect(plane.welcome(restarted, hello(300), at: start + .seconds(4.1)).0.refused.isEmpty)
    }
}

@Suite("Counts the workers keep over a learner's life (env failures, expert errors)")
struct WorkerCountTallyTests {
    @Test("the run's total adds each worker process's new failures; a restarted worker (a new process) counts from zero and its predecessor's stay; a count that drops adds nothing")
    func tally() {
        var tally = WorkerCountTally()
        let (first, second, restarted) = (Array("worker-1-100".utf8), Array("worker-2-101".utf8), Array("worker-1-102".utf8))
        tally.heard(process: first, count: 0)
        tally.heard(process: first, count: 3)
        tally.heard(process: second, count: 1)
        tally.heard(process: first, count: 3)
        #expect(tally.total == 4)
        for count in [1, 2, 3, 4] as [UInt64] { tally.heard(process: restarted, count: count) }
        #expect(tally.total == 8)
        tally.heard(process: second, count: 0)
        #expect(tally.total == 8)
    }
}
