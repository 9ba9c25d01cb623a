import Foundation
import NexusTestKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What `nexus train` does with the run directory it is given: an earlier run is never
/// appended to or overwritten by accident, a refused start or resume changes nothing, and
/// checkpoints a user can name by fixed names exist.
@Suite("Run directories", .serialized)
struct RunDirectoryTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("nexus-rundir-\(name)-\(UUID().uuidString.prefix(8))").path
    }

    /// A short DAgger run (one worker) that ends by itself after `iterations`.
    static func shortRun(_ extra: [String] = [], iterations: Int = 3) -> [String] {
        ["train", "--algo", "dagger", "--env", "CartPole-v1", "--workers", "1", "--set", "stop_at_target=false",
         "--set", "training.max_iterations=\(iterations)"] + extra
    }

    /// Every file under `path` with its bytes.
    static func snapshot(_ path: String) -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = Data(ClusterRun.read(path + "/" + name).utf8)
            }
        }
        return files
    }

    static func iterations(_ path: String) -> [Int] {
        ClusterRun.read(path + "/metrics.csv").split(separator: "\n").dropFirst().compactMap { Int($0.split(separator: ",").first ?? "") }
    }

    @Test("a directory that holds a run is refused unless --overwrite (or --resume); --overwrite starts afresh; latest and best checkpoints by name")
    func earlierRunRefused() async throws {
        let directory = Self.temporaryPath("reuse")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await NexusProcess.run(Self.shortRun(["--run-dir", directory]), timeout: 300)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(Self.iterations(directory) == [1, 2, 3])
        let before = Self.snapshot(directory)
        let again = try await NexusProcess.run(Self.shortRun(["--run-dir", directory]), timeout: 300)
        #expect(again.status == 64)
        #expect(again.stderr.contains("\(directory) holds a run already") && again.stderr.contains("--resume \(directory)") && again.stderr.contains("--overwrite"), "\(again.stderr)")
        #expect(Self.snapshot(directory) == before, "a refused start changed the run directory")
        let afresh = try await NexusProcess.run(Self.shortRun(["--run-dir", directory, "--overwrite"], iterations: 2), timeout: 300)
        #expect(afresh.status == 0, "\(afresh.stderr)")
        #expect(Self.iterations(directory) == [1, 2])
        #expect(ClusterRun.read(directory + "/config.yaml").contains("max_iterations: 2"), "config.yaml is the earlier run's")
        let events = try FileManager.default.contentsOfDirectory(atPath: directory + "/tb").filter { $0.contains("tfevents") }
        #expect(events.count == 1, "the earlier run's events went with it: \(events)")
        for name in ["latest.nxckpt", "best.nxckpt"] {
            let evaluated = try await NexusProcess.run(["eval", "--env", "CartPole-v1", "--policy", directory + "/checkpoints/" + name, "--episodes", "3", "--json"])
            #expect(evaluated.status == 0 && evaluated.stdout.contains("mean_return"), "\(name): \(evaluated.stderr)")
        }
        let both = try await NexusProcess.run(["train", "--resume", directory, "--overwrite"])
        #expect(both.status == 64 && both.stderr.contains("give one of them"), "\(both.stderr)")
    }

    @Test("nexus learner --overwrite writes the configuration it runs with over the earlier run's")
    func learnerOverwriteWritesItsConfiguration() async throws {
        let directory = Self.temporaryPath("learner")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await NexusProcess.run(Self.shortRun(["--run-dir", directory], iterations: 1), timeout: 300)
        #expect(first.status == 0, "\(first.stderr)")
        let demos = directory + "-demos.nxdemo"
        defer { try? FileManager.default.removeItem(atPath: demos) }
        _ = try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "2", "--out", demos])
        // Its own ipc endpoints: the default tcp ports belong to whichever test runs alongside.
        let endpoints = ["control", "trajectories", "weights", "expert"].flatMap { ["--set", "endpoints.\($0)=ipc://\(directory)-\($0)"] }
        defer { for name in ["control", "trajectories", "weights", "expert"] { try? FileManager.default.removeItem(atPath: "\(directory)-\(name)") } }
        let learner = try await NexusProcess.run(
            ["learner", "--run-dir", directory, "--overwrite", "--algo", "bc", "--env", "CartPole-v1", "--demos", demos, "--set", "bc.iterations=1"] + endpoints,
            timeout: 300)
        #expect(learner.status == 0, "\(learner.stderr)")
        let config = ClusterRun.read(directory + "/config.yaml")
        #expect(config.contains("algo: bc") && !config.contains("algo: dagger"), "\(config)")
    }

    @Test("a resume that cannot work changes nothing in the run; a plain one then continues it")
    func failedResumeChangesNothing() async throws {
        let directory = Self.temporaryPath("resume")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await NexusProcess.run(Self.shortRun(["--run-dir", directory]), timeout: 300)
        #expect(first.status == 0, "\(first.stderr)")
        let before = Self.snapshot(directory)
        let wrong = try await NexusProcess.run(["train", "--resume", directory, "--algo", "ppo"], timeout: 120)
        #expect(wrong.status == 64 && wrong.stderr.contains("is a dagger checkpoint for CartPole-v1, not ppo on CartPole-v1"), "\(wrong.stderr)")
        #expect(Self.snapshot(directory) == before, "a refused resume changed the run directory")
        let resumed = try await NexusProcess.run(["train", "--resume", directory, "--set", "training.max_iterations=5"], timeout: 300)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(Self.iterations(directory) == [1, 2, 3, 4, 5])
    }

    @Test("errors the learner would find late (demonstrations missing or of another environment) refuse the run before anything is created; report leaves out a directory without metrics")
    func lateErrorsFoundFirst() async throws {
        let scratch = Self.temporaryPath("late")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let missing = try await NexusProcess.run(["train", "--algo", "gail", "--env", "CartPole-v1", "--demos", scratch + "/none.nxdemo", "--run-dir", scratch + "/gail"])
        #expect(missing.status == 64 && missing.stderr.contains("\(scratch)/none.nxdemo"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch + "/gail"))
        let demos = scratch + "/cartpole.nxdemo"
        #expect(try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "2", "--out", demos]).status == 0)
        let misfit = try await NexusProcess.run(["train", "--algo", "bc", "--env", "Pendulum-v1", "--demos", demos, "--run-dir", scratch + "/bc"])
        #expect(misfit.status == 64 && misfit.stderr.contains("holds demonstrations of CartPole-v1, not Pendulum-v1"), "\(misfit.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch + "/bc"))
        // A run stopped before its first iteration has no metrics.csv: the report draws the rest.
        let good = scratch + "/good"
        #expect(try await NexusProcess.run(Self.shortRun(["--run-dir", good]), timeout: 300).status == 0)
        let halfMade = scratch + "/half"
        try FileManager.default.createDirectory(atPath: halfMade, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: good + "/config.yaml", toPath: halfMade + "/config.yaml")
        let report = try await NexusProcess.run(["report", good, halfMade, "--out", scratch + "/report.html", "--expert-episodes", "2"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stderr.contains("left out \(halfMade): no metrics.csv"), "\(report.stderr)")
        #expect(report.stdout.contains("1 run,"), "\(report.stdout)")
        #expect(ClusterRun.read(scratch + "/report.html").contains("Left out: \(halfMade)"))
    }

    @Test("a second worker with a worker id another live worker holds is refused, logged by the learner, and ends with the reason")
    func duplicateWorkerID() async throws {
        let directory = Self.temporaryPath("ids")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let endpoint = { (name: String) in "ipc://\(directory)/\(name)" }
        let learner = try await ClusterRun(
            ["learner", "--algo", "ppo", "--env", "CartPole-v1", "--run-dir", directory + "/run", "--set", "workers=2",
             "--set", "stop_at_target=false", "--set", "training.max_iterations=1000000",
             "--set", "endpoints.control=\(endpoint("control"))", "--set", "endpoints.trajectories=\(endpoint("trajectories"))",
             "--set", "endpoints.weights=\(endpoint("weights"))"],
            runDirectory: directory, logName: "learner")
        defer { if learner.isRunning { kill(learner.pid, SIGKILL) } }
        let first = try await ClusterRun(["worker", "--learner", endpoint("control")], runDirectory: directory, logName: "first")
        defer { if first.isRunning { kill(first.pid, SIGKILL) } }
        #expect(await ClusterRun.waitUntil(seconds: 60) { learner.outputText.contains("worker 1 joined") }, "\(learner.outputText)")
        let second = try await ClusterRun(["worker", "--learner", endpoint("control"), "--set", "worker.join_refused_seconds=5"], runDirectory: directory, logName: "second")
        let status = await second.finish(within: 120)
        #expect(status != nil && status != 0, "the second worker 1 did not give up\n\(second.outputText)")
        #expect(second.outputText.contains("refuses this worker: worker id 1 is in use by"), "\(second.outputText)")
        #expect(learner.outputText.contains("refused a worker") && learner.outputText.contains("worker id 1 is in use"), "\(learner.outputText)")
        #expect(first.isRunning && learner.isRunning, "the first worker and the run go on")
        kill(learner.pid, SIGTERM)
        #expect(await learner.finish(within: 60) == 0, "\(learner.outputText)")
        #expect(await first.finish(within: 60) == 0, "\(first.outputText)")
    }
}
