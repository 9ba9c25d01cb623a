import Foundation
import NexusTestKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The rendered batch script (`nexus cluster render --target slurm`) on a real Slurm: Debian's
/// slurmctld and three slurmd virtual nodes with munge, private to the test
/// (`cluster/slurm/local-slurm`).
@Suite("Slurm (a real slurmctld and slurmd)", .serialized, .enabled(if: LocalSlurm.available, "Slurm or munge is not installed, or not root: .ci/install-deps installs slurm-wlm and munge"))
struct SlurmTests {
    @Test("a DAgger job reaches its target; squeue and scontrol show its steps while it runs")
    func jobReachesTarget() async throws {
        let slurm = try LocalSlurm()
        defer { slurm.stop() }
        let job = try await slurm.submit(extra: ClusterTrainingTests.longRun)
        #expect(await ClusterRun.waitUntil(seconds: 60) { Set(slurm.steps(of: job)).isSuperset(of: ["learner", "expert-0", "workers"]) }, "steps: \(slurm.steps(of: job))")
        #expect(slurm.command("/usr/bin/scontrol", ["show", "job", job]).contains("JobState=RUNNING"))
        // Trains on past the steps being seen, to the target; then the test stops the job's
        // learner, which ends the job.
        let rowsAtSteps = slurm.metricsRows()
        let after = ClusterTrainingTests.rowsAfterEvent
        #expect(await ClusterRun.waitUntil(seconds: 180) { slurm.metricsRows() >= rowsAtSteps + after }, "training stalled")
        #expect(await ClusterRun.waitUntil(seconds: 300) { ClusterRun.evaluated(ClusterRun.metricsRows(at: slurm.directory + "/run/run"), atLeast: 475, after: rowsAtSteps) }, "no evaluation of 475")
        let control = try await #require(ClusterRun.learnerControl(in: slurm.directory + "/run"), "the learner announced no endpoints")
        let ended = try await ClusterRun.sendStop(to: control, reason: ClusterTrainingTests.stopReason, keys: slurm.directory + "/keys") {
            await ClusterRun.waitUntil(seconds: 240) { !slurm.isQueued(job) }
        }
        #expect(ended, "the job did not end after the stop")
        let summary = try #require(slurm.summary())
        #expect(ClusterTrainingTests.stoppedByTest(summary), "\(summary["finish_reason"] ?? "")")
        #expect(summary.flag("reached_target") == true)
        #expect(try #require(summary.number("iterations")) >= Double(rowsAtSteps + after))
        #expect(slurm.output(of: job).contains("learner finished with status 0"), "\(slurm.output(of: job))")
    }

    @Test("the BC job rendered from cluster/bc-cartpole.yaml (a relative demonstrations path, one node) reaches its target when sbatch runs in another directory")
    func bcJobFromElsewhere() async throws {
        let slurm = try LocalSlurm()
        defer { slurm.stop() }
        // The user's project: the demonstrations where the example's comment records them.
        let project = slurm.directory + "/project", elsewhere = slurm.directory + "/elsewhere"
        for folder in [project + "/demos", elsewhere] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let nexus = NexusProcess.executable.path
        let example = LocalSlurm.root.appendingPathComponent("cluster/bc-cartpole.yaml").path
        let recorded = spawnAndWait("/usr/bin/env", ["-C", project, nexus, "demos", "record", "--env", "CartPole-v1", "--episodes", "20", "--out", "demos/cartpole-20.nxdemo"])
        #expect(recorded.status == 0, "\(recorded.output)")
        #expect(try await NexusProcess.run(["keys", "generate", slurm.directory + "/keys"]).status == 0)
        let script = slurm.directory + "/bc.sbatch"
        let render = spawnAndWait("/usr/bin/env", ["-C", project, nexus, "cluster", "render", "--target", "slurm", "--config", example, "--keys", slurm.directory + "/keys", "--out", script])
        #expect(render.status == 0, "\(render.output)")
        let text = try String(contentsOfFile: script, encoding: .utf8)
        #expect(text.contains("#SBATCH --nodes=1\n") && text.contains("demos: \(project)/demos/cartpole-20.nxdemo"), "\(text)")
        let submitted = slurm.command("/usr/bin/env", ["-C", elsewhere, "/usr/bin/sbatch", "--parsable", "--export=ALL", "-o", slurm.directory + "/job-%j.out", script],
                                      environment: ["NEXUS": nexus, "NEXUS_RUN_DIR": slurm.directory + "/run"])
        let job = try #require(submitted.split(separator: "\n").last.map { String($0.split(separator: ";")[0]) }, "\(submitted)")
        #expect(Int(job) != nil, "\(submitted)")
        #expect(await ClusterRun.waitUntil(seconds: 240) { !slurm.isQueued(job) }, "the job did not end")
        #expect(!slurm.output(of: job).contains("can't run"), "\(slurm.output(of: job))")
        #expect(slurm.output(of: job).contains("learner finished with status 0"), "\(slurm.output(of: job))")
        let summary = try #require(slurm.summary(), "\(slurm.output(of: job))")
        #expect(summary.flag("reached_target") == true)
        #expect(try #require(summary.number("eval_return_mean")) >= 475)
    }

    @Test("scancel in the middle of a job stops every process it started")
    func scancelStopsEverything() async throws {
        let slurm = try LocalSlurm()
        defer { slurm.stop() }
        let job = try await slurm.submit(extra: ClusterTrainingTests.longRun)
        #expect(await ClusterRun.waitUntil(seconds: 60) { slurm.metricsRows() >= 2 })
        let started = slurm.processes(of: job)
        #expect(started.count >= 4, "expert, learner, two workers: \(started)")
        // The learner writes summary.json at its end: none yet, the job is mid-run.
        #expect(slurm.summary() == nil, "the job was over before scancel")
        _ = slurm.command("/usr/bin/scancel", [job])
        #expect(await ClusterRun.waitUntil(seconds: 60) { !slurm.isQueued(job) })
        #expect(await ClusterRun.waitUntil(seconds: 30) { slurm.processes(of: job).isEmpty }, "left behind: \(slurm.processes(of: job))")
    }
}

/// One private Slurm and the job directory beside it.
final class LocalSlurm: @unchecked Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = root.appendingPathComponent("cluster/slurm/local-slurm").path

    static let available: Bool = getuid() == 0
        && ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }

    let directory: String
    var configuration: String { directory + "/slurm/slurm.conf" }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-slurm-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let output = command(Self.script, ["start", directory + "/slurm", "3"])
        guard FileManager.default.fileExists(atPath: configuration), output.contains("slurm.conf") else {
            stop()  // whatever did start must not outlive the test
            throw POSIXError(.EIO)
        }
    }

    func stop() { _ = command(Self.script, ["stop", directory + "/slurm"]) }

    /// Renders the batch script for DAgger on CartPole with two workers and submits it.
    func submit(extra: [String]) async throws -> String {
        _ = try await NexusProcess.run(["keys", "generate", directory + "/keys"])
        let render = try await NexusProcess.run(
            ["cluster", "render", "--target", "slurm", "--keys", directory + "/keys", "--nodes", "3", "--set", "workers=2", "--out", directory + "/nexus.sbatch"] + extra)
        guard render.status == 0 else { throw POSIXError(.EINVAL) }
        let submitted = command("/usr/bin/sbatch", ["--parsable", "--export=ALL", "-o", directory + "/job-%j.out", directory + "/nexus.sbatch"],
                                environment: ["NEXUS": NexusProcess.executable.path, "NEXUS_RUN_DIR": directory + "/run"])
        guard let id = submitted.split(separator: "\n").last.map({ String($0.split(separator: ";")[0]) }), Int(id) != nil else { throw POSIXError(.EIO) }
        return id
    }

    func steps(of job: String) -> [String] {
        command("/usr/bin/squeue", ["-h", "--steps", "-j", job, "-o", "%j"]).split(separator: "\n").map(String.init)
    }

    func isQueued(_ job: String) -> Bool { command("/usr/bin/squeue", ["-h", "-j", job, "-o", "%i"]).contains(job) }

    func summary() -> [String: Any]? {
        let text = ClusterRun.read(directory + "/run/run/summary.json")
        return try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    func metricsRows() -> Int { max(0, ClusterRun.read(directory + "/run/run/metrics.csv").split(separator: "\n").count - 1) }

    func output(of job: String) -> String { ClusterRun.read(directory + "/job-\(job).out") }

    /// Live processes whose environment says they belong to `job` (not zombies).
    func processes(of job: String) -> [Int32] {
        let marker = "SLURM_JOB_ID=\(job)"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            let environment = ClusterRun.read("/proc/\(pid)/environ")
            return environment.split(separator: "\0").contains { $0 == marker } && ClusterRun.isAlive(pid)
        }
    }

    /// Runs a program with this Slurm's configuration; its standard output and error.
    @discardableResult
    func command(_ path: String, _ arguments: [String], environment extra: [String: String] = [:]) -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_CONF"] = configuration
        for (key, value) in extra { environment[key] = value }
        return spawnAndWait(path, arguments, environment: environment).output
    }
}
