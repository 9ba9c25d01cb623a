import Foundation
import Logging
import NexusAlgorithms
import NexusEnvironments
import NexusTransport
import NexusWire
import Yams

/// `nexus train`: one expert, one learner and N workers as separate processes on free
/// loopback ports. Shows progress, restarts a crashed worker (bounded, with backoff), expert
/// or learner (the learner resumes from its checkpoint on the same ports), and stops
/// everything at the end, on SIGINT/SIGTERM, or — through the children's stdin pipes — when
/// the launcher itself dies.
public final class ClusterLauncher {
    public struct Outcome: Sendable {
        public var summaryPath: String
        public var reachedTarget: Bool
        /// Whether the run had a target at all (`RunConfig.hasTarget`).
        public var hadTarget: Bool
        public var stoppedBySignal: String?
        /// The learner's `finish_reason` ("reached target return 475.0", "reached max_seconds 600.0", …).
        public var finishReason: String?
    }

    private let config: RunConfig
    private let run: RunDirectory
    private let executable: URL
    private let logger: Logger
    /// One expert process per entry of `expert.imperfections` (one when it is empty).
    private var experts: [ChildProcess?] = []
    private var learner: ChildProcess?
    private var workers: [UInt32: ChildProcess] = [:]
    private var learnerEndpoints: [String: String] = [:]
    private var expertEndpoints: [String?] = []
    private let resumeAtStart: Bool
    /// Each expert's `/metrics` URL, for cluster.json (when `metrics.port` is set).
    private var expertMetricsURLs: [Int: String] = [:]
    private var progress = ClusterProgress(interval: 0.5)
    /// Restarts, backoffs and kills for silence: the rules, apart from the processes.
    private var supervisor: Supervisor
    private let origin = ContinuousClock.now
    /// The workers' configuration file, once written.
    private var workerConfig: String?
    /// Processes whose exit the supervisor has been told of, by pid (not by object: a replaced
    /// child's object is freed, and its identifier can come back for the next one).
    private var exitsSeen: Set<Int32> = []
    private var nextExpertProbe = ContinuousClock.now

    /// `resume`: the run directory holds a stopped run; its learner starts from the newest
    /// checkpoint (counters, clock and metrics continue). Otherwise the directory must hold
    /// no earlier run, unless `overwrite` says it may go (only a run's own files are removed). Nothing in the directory
    /// is created or changed before everything checkable is checked (`RunPreflight`).
    public init(config: RunConfig, runDirectory: String, executable: URL, resume: Bool = false, overwrite: Bool = false, logger: Logger) throws {
        var config = config
        if resume {
            let existing = try RunDirectory(path: runDirectory, create: false)
            if CheckpointStore(directory: existing.checkpoints, keep: 1).files().isEmpty { throw RuntimeError("cannot resume \(runDirectory): it has no checkpoint") }
            try RunPreflight.check(config, resuming: existing)
        } else {
            try RunPreflight.check(config, resuming: nil)
            let earlier = RunDirectory.earlierRun(at: runDirectory)
            if !earlier.isEmpty {
                guard overwrite else {
                    throw RuntimeError(
                        "\(runDirectory) holds a run already (\(earlier.joined(separator: ", "))): continue it with --resume \(runDirectory), or start afresh with --overwrite")
                }
                try RunDirectory.clear(runDirectory)
            }
        }
        resumeAtStart = resume
        // Local cluster: every socket on loopback, ports chosen by the kernel.
        config.endpoints.expert = "tcp://127.0.0.1:*"
        config.endpoints.control = "tcp://127.0.0.1:*"
        config.endpoints.trajectories = "tcp://127.0.0.1:*"
        config.endpoints.weights = "tcp://127.0.0.1:*"
        if config.security.mode == .curve, config.security.keys.isEmpty {
            // A local run with CURVE everywhere and no keys given: fresh ones for this run.
            let directory = URL(fileURLWithPath: runDirectory).standardizedFileURL.path + "/keys"
            if !FileManager.default.fileExists(atPath: directory + "/" + KeyFiles.serverPair) { try KeyFiles.generate(in: directory) }
            config.security.keys = directory
        }
        self.config = config
        supervisor = Supervisor(workers: config.workers, limits: .init(
            learnerRestarts: config.launcher.maxLearnerRestarts, expertRestarts: config.launcher.maxExpertRestarts,
            workerRestarts: config.launcher.maxWorkerRestarts, workerBackoffSeconds: config.launcher.restartBackoffSeconds,
            workerSilenceSeconds: config.worker.heartbeatSeconds * config.launcher.silentHeartbeats,
            unresponsiveSeconds: config.launcher.unresponsiveSeconds))
        run = try RunDirectory(path: runDirectory)
        self.executable = executable

        self.logger = logger
        for role in ["learner", "expert"] { try? FileManager.default.removeItem(atPath: run.announcement(role)) }
        try AtomicFile.write(try ConfigLoader.yaml(config), to: run.config)
    }

    public var runDirectory: String { run.path }

    public func run(until stop: StopSignal) async throws -> Outcome {
        do {
            return try await supervise(until: stop)
        } catch {
            // A role that failed to start, or a restart that failed, ends the run: the roles
            // still running are stopped here, not left to notice the launcher's exit.
            await shutDown(stopRequested: false)
            throw error
        }
    }

    private func supervise(until stop: StopSignal) async throws -> Outcome {
        let requirements = try config.algorithm.requirements
        let usesWorkers = requirements.contains(.rolloutWorkers)
        if requirements.contains(.expert) {
            let count = config.expertImperfections.count
            (experts, expertEndpoints) = ([ChildProcess?](repeating: nil, count: count), [String?](repeating: nil, count: count))
            for index in 0..<count { try await startExpert(index) }
        }
        try await startLearner(resume: resumeAtStart)
        if usesWorkers { for id in 1...UInt32(config.workers) { try startWorker(id) } }
        try writeClusterFile()
        print("nexus: \(config.algo) on \(config.env), \(usesWorkers ? "\(config.workers) workers" : "offline"), run directory \(run.path)")
        let security = RoleSecurity(config.security)
        let status = try StatusClient(endpoint: try Endpoint(parsing: learnerEndpoints["control"]!), security: security, logger: logger)
        // A restarted expert binds its old endpoint again: one client each for the whole run.
        let expertStatus = try expertEndpoints.map { try StatusClient(endpoint: try Endpoint(parsing: $0!), security: security, logger: logger) }
        var learnerFinished = false
        // Once the learner says it has finished it closes its sockets and exits: a status
        // asked then would only wait out its timeout (twice, 2 s, at the end of every run).
        var learnerFinishing = false
        progress = ClusterProgress(
            interval: config.launcher.progressSeconds,
            budget: RunBudget(maxSeconds: config.maxSeconds, totalEnvSteps: config.totalEnvSteps, maxIterations: try config.algorithm.iterationLimit(config)))
        supervising: while !stop.isStopped {
            // Look often (crashes are noticed fast, a short run still shows progress); the
            // line itself is redrawn every progress_seconds.
            try? await Task.sleep(for: .seconds(min(0.1, config.launcher.progressSeconds)))
            var actions = exits()
            var silences: [UInt32: (silent: Double, processAge: Double)] = [:]
            if !learnerFinishing, let running = learner, running.isRunning, let current = await status.status(timeout: 1, unless: { !running.isRunning }) {
                learnerFinishing = current[metric: LearnerCore.finishedMetric] == 1
                let alive = workers.values.filter(\.isRunning).count
                progress.show(current, workers: (alive, workers.count), restarts: supervisor.restartCounts["worker", default: 0])
                // Answers from a control loop whose training loop is wedged do not count.
                if (current[metric: "status_age_seconds"] ?? 0) < config.launcher.unresponsiveSeconds { supervisor.answered(.learner, at: now) }
                silences = workerSilences(current)
            }
            await probeExperts(expertStatus)
            actions += supervisor.tick(at: now, workerSilences: silences, running: Set(children.filter { $0.1.isRunning }.map(\.0)))
            for action in actions {
                switch action {
                case .finishRun:
                    learnerFinished = true
                    break supervising
                case .note(let message):
                    progress.finish()
                    logger.warning("\(message)")
                case .failRun(let role, let reason):
                    throw RunFailure("\(reason); see \(run.log(Self.logName(of: role)))")
                case .kill(let role, let reason):
                    progress.finish()
                    logger.warning("\(reason)")
                    child(role)?.signal(SIGKILL)
                case .restart where stop.isStopped:
                    // A stop came while this tick's earlier actions ran (a restart waits for
                    // its role to listen), or with the exit asking for this one (`pkill nexus`
                    // ends every role at once; the children have process groups of their own,
                    // so a terminal's Ctrl-C reaches the launcher alone): nothing starts.
                    continue
                case .restart(.learner):
                    learnerFinishing = false
                    try await restartLearner(unless: stop)
                    try writeClusterFile()
                case .restart(.expert(let index)):
                    try await startExpert(index)
                    try writeClusterFile()
                case .restart(.worker(let id)):
                    try startWorker(id)
                    try writeClusterFile()
                }
            }
        }
        progress.finish()
        // Stopped from outside: the learner ends the run itself, with the reason in its summary.
        var stopRequested = false
        if !learnerFinished, learner?.isRunning == true { stopRequested = await status.requestStop(reason: "nexus train received \(stop.reason)") }
        await status.close()
        for client in expertStatus { await client.close() }
        await shutDown(stopRequested: stopRequested)
        return outcome(stoppedBy: learnerFinished ? nil : stop.reason)
    }

    // MARK: supervision

    /// Seconds on the launcher's clock (the supervisor's).
    private var now: Double { (ContinuousClock.now - origin) / .seconds(1) }

    /// Every child by role, the learner first.
    private var children: [(Supervisor.Role, ChildProcess)] {
        var all: [(Supervisor.Role, ChildProcess)] = learner.map { [(.learner, $0)] } ?? []
        all += experts.enumerated().compactMap { index, child in child.map { (.expert(index), $0) } }
        return all + workers.sorted { $0.key < $1.key }.map { (.worker($0.key), $0.value) }
    }

    private func child(_ role: Supervisor.Role) -> ChildProcess? { children.first { $0.0 == role }?.1 }

    /// The exits not yet told to the supervisor, and what it says to do.
    private func exits() -> [Supervisor.Action] {
        var actions: [Supervisor.Action] = []
        for (role, child) in children where !child.isRunning && !exitsSeen.contains(child.pid) {
            exitsSeen.insert(child.pid)
            let cleanly = child.exit.map { $0.status == 0 && !$0.signalled } ?? false
            var exit = child.exitDescription
            // The cause, where the role wrote one, on the console beside its status.
            if !cleanly, let cause = ChildLog.lastError(atPath: child.logPath) { exit += " (\(cause))" }
            actions += supervisor.exited(role, cleanly: cleanly, exit: exit, at: now)
        }
        return actions
    }

    /// Each running worker's silence as the learner reports it, with its process's age.
    private func workerSilences(_ status: ControlMessage.Status) -> [UInt32: (silent: Double, processAge: Double)] {
        var silences: [UInt32: (silent: Double, processAge: Double)] = [:]
        for metric in status.metrics where metric.name.hasPrefix(ControlPlane.silentMetric) {
            guard let id = UInt32(metric.name.dropFirst(ControlPlane.silentMetric.count)), let worker = workers[id] else { continue }
            silences[id] = (metric.value, (ContinuousClock.now - worker.started) / .seconds(1))
        }
        return silences
    }

    /// Asks every expert for its status once a second (a stopped one costs the wait).
    private func probeExperts(_ clients: [StatusClient]) async {
        guard ContinuousClock.now >= nextExpertProbe else { return }
        nextExpertProbe = ContinuousClock.now + .seconds(1)
        for (index, client) in clients.enumerated() where experts[index]?.isRunning == true {
            if await client.status(timeout: 0.5) != nil { supervisor.answered(.expert(index), at: now) }
        }
    }

    static func logName(of role: Supervisor.Role) -> String {
        switch role {
        case .learner: return "learner"
        case .expert(let index): return expertName(index)
        case .worker(let id): return "worker-\(id)"
        }
    }

    private static func seconds(_ value: Double) -> String { "\((value * 10).rounded() / 10) s" }

    // MARK: starting roles

    static func expertName(_ index: Int) -> String { index == 0 ? "expert" : "expert-\(index + 1)" }

    /// Expert `index` ("expert", then "expert-2", …), on the endpoint it had if restarted.
    private func startExpert(_ index: Int) async throws {
        let name = Self.expertName(index)
        try? FileManager.default.removeItem(atPath: run.announcement(name))
        var own = config
        own.expert.imperfection = config.expertImperfections[index]
        // Experts serve /metrics beside the learner's port (expert i on port + 1 + i).
        own.metrics.port = config.metrics.expertPort(index)
        var arguments = ["expert", "--config", try roleConfig(name, own), "--announce", run.announcement(name), "--watch-parent"]
        if let endpoint = expertEndpoints[index] { arguments += ["--bind", endpoint] }
        let child = try ChildProcess(name: name, executable: executable, arguments: arguments, logPath: run.log(name))
        experts[index] = child
        let announced = try await awaitAnnouncement(name, child: child)
        expertEndpoints[index] = announced["expert"]
        expertMetricsURLs[index] = announced["metrics"]
        supervisor.answered(.expert(index), at: now)
    }

    /// Starts the learner again after a crash, from its newest checkpoint. A learner that dies
    /// again before it listens (killed while resuming) is one more crash for the supervisor
    /// to judge, not the end of the run, unless the run is stopping (then it stays down: the
    /// same signal may well have killed it).
    private func restartLearner(unless stop: StopSignal) async throws {
        while true {
            do {
                try await startLearner(resume: true)
                return
            } catch let error as KilledWhileStarting {
                if let learner { exitsSeen.insert(learner.pid) }
                if stop.isStopped { return }
                for case .failRun(let role, let reason) in supervisor.exited(.learner, cleanly: false, exit: "was killed while starting", at: now) {
                    throw RunFailure("\(reason); see \(run.log(Self.logName(of: role)))")
                }
                logger.warning("\(error.message); starting it again")
            }
        }
    }

    private func startLearner(resume: Bool) async throws {
        try? FileManager.default.removeItem(atPath: run.announcement("learner"))
        var own = config
        let known = expertEndpoints.compactMap { $0 }
        if let first = known.first { own.endpoints.expert = first }
        // Served to the workers with the rest of the configuration.
        if known.count > 1 { own.expert.endpoints = known }
        // A resumed learner binds the ports the workers already know (its /metrics port is
        // in the configuration).
        own.endpoints.control = learnerEndpoints["control"] ?? own.endpoints.control
        own.endpoints.trajectories = learnerEndpoints["trajectories"] ?? own.endpoints.trajectories
        own.endpoints.weights = learnerEndpoints["weights"] ?? own.endpoints.weights
        var arguments = ["learner", "--config", try roleConfig("learner", own), "--watch-parent"]
        // A learner that died before its first checkpoint starts afresh.
        let canResume = resume && !CheckpointStore(directory: run.checkpoints, keep: config.learner.keepCheckpoints).files().isEmpty
        // Afresh: what a learner that died before its first checkpoint wrote goes.
        arguments += canResume ? ["--resume", run.path] : ["--run-dir", run.path, "--overwrite"]
        let child = try ChildProcess(name: "learner", executable: executable, arguments: arguments, logPath: run.log("learner"))
        learner = child
        learnerEndpoints = try await awaitAnnouncement("learner", child: child, showingProgress: canResume)
        supervisor.answered(.learner, at: now)
    }

    private func startWorker(_ id: UInt32) throws {
        // The worker's own settings for reaching the learner before its welcome (the rest comes
        // with the welcome): one file for every worker, written once.
        if workerConfig == nil {
            workerConfig = try roleConfig("worker", yaml: Yams.dump(object: ["security": ["mode": config.security.mode.rawValue, "keys": config.security.keys]]))
        }
        let arguments = ["worker", "--learner", learnerEndpoints["control"]!, "--worker-id", "\(id)", "--config", workerConfig!, "--watch-parent"]
        workers[id] = try ChildProcess(name: "worker-\(id)", executable: executable, arguments: arguments, logPath: run.log("worker-\(id)"))
    }

    /// Writes child `name`'s configuration file (`RunDirectory.roleConfig`) and returns its path.
    private func roleConfig(_ name: String, _ config: RunConfig) throws -> String { try roleConfig(name, yaml: try ConfigLoader.yaml(config)) }

    private func roleConfig(_ name: String, yaml: String) throws -> String {
        let path = run.roleConfig(name)
        // Made again at every start: not worth an fsync on the way to starting a process.
        try AtomicFile.write(yaml, to: path, durable: false)
        return path
    }

    /// Waits for a role to announce its endpoints. The deadline (30 s) counts from its log's
    /// last new line: a learner resuming from a large checkpoint logs each phase, which is
    /// shown on the progress line (`showingProgress`), and is waited for as long as it logs.
    private func awaitAnnouncement(_ role: String, child: ChildProcess, showingProgress: Bool = false) async throws -> [String: String] {
        var deadline = ContinuousClock.now + .seconds(30)
        var logSize = FileBytes.size(run.log(role))
        var line = ProgressLine()
        let started = ContinuousClock.now
        defer { if showingProgress { line.finish() } }
        while ContinuousClock.now < deadline {
            if let endpoints = EndpointAnnouncement.read(run.announcement(role)) { return endpoints }
            if !child.isRunning {
                let message = "the \(role) \(child.exitDescription) before listening:\n\(Self.tail(of: run.log(role)))"
                // Killed (not an error it reported): starting it again may well work.
                if let exit = child.exit, exit.signalled, [SIGKILL, SIGTERM, SIGINT].contains(exit.status) { throw KilledWhileStarting(message: message) }
                throw RuntimeError(message)
            }
            let size = FileBytes.size(run.log(role))
            if size != logSize {
                logSize = size
                deadline = ContinuousClock.now + .seconds(30)
            }
            // Quick starts stay quiet; a wait of more than a second is shown.
            if showingProgress, ContinuousClock.now - started > .seconds(1) {
                line.show {
                    let last = Self.tail(of: run.log(role), lines: 1).split(separator: "]", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                    return String(format: "%@: %@ (%.1f s)", role, String(last.prefix(120)), (ContinuousClock.now - started) / .seconds(1))
                }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw RuntimeError("the \(role) did not start listening, and logged nothing, for 30 s; see \(run.log(role))")
    }

    // MARK: stopping

    /// The learner first (final checkpoint, summary, stop to the workers: asked over its
    /// control socket, else by SIGTERM), then the rest; anything still alive after the grace
    /// period is killed.
    private func shutDown(stopRequested: Bool) async {
        let grace = config.launcher.stopGraceSeconds
        if let learner, learner.isRunning {
            let stoppedAsked = stopRequested ? await learner.waitForExit(seconds: grace * 0.4) : false
            if !stoppedAsked { learner.signal(SIGTERM) }
            if !(await learner.waitForExit(seconds: grace * 0.3)) { learner.signal(SIGKILL) }
        }
        let others = Array(workers.values) + experts.compactMap { $0 }
        // Workers told to stop by the learner exit by themselves; give them a moment first
        // (experts serve until told).
        for child in workers.values { _ = await child.waitForExit(seconds: 0.3) }
        for child in others where child.isRunning { child.signal(SIGTERM) }
        for child in others where !(await child.waitForExit(seconds: grace * 0.4)) {
            logger.warning("\(child.name) did not stop; killing it")
            child.signal(SIGKILL)
            _ = await child.waitForExit(seconds: 2)
        }
    }

    private func writeClusterFile() throws {
        var processes: [[String: Any]] = []
        for (index, expert) in experts.enumerated() {
            guard let expert else { continue }
            processes.append([
                "role": "expert", "expert_index": index, "pid": Int(expert.pid),
                "endpoints": ["expert": expertEndpoints[index] ?? "", "metrics": expertMetricsURLs[index]].compactMapValues { $0 },
                "imperfection": config.expertImperfections[index], "log": run.log(expert.name),
            ])
        }
        if let learner { processes.append(["role": "learner", "pid": Int(learner.pid), "endpoints": learnerEndpoints, "log": run.log("learner")]) }
        for (id, worker) in workers.sorted(by: { $0.key < $1.key }) {
            processes.append(["role": "worker", "worker_id": Int(id), "pid": Int(worker.pid), "endpoints": ["learner_control": learnerEndpoints["control"] ?? ""], "log": run.log("worker-\(id)")])
        }
        // The learner writes them into summary.json (its only writer) when the run ends.
        try AtomicFile.write(
            try JSONFile.encode(["launcher_pid": Int(getpid()), "processes": processes, "restarts": supervisor.restartCounts]), to: run.cluster)
    }

    /// How the run ended, from the learner's summary (which it alone writes; a learner killed
    /// before it could leaves none, and then the launcher writes what it knows).
    private func outcome(stoppedBy signal: String?) -> Outcome {
        var summary = (try? JSONFile.read(run.summary)) ?? [:]
        if summary.isEmpty {
            summary = [
                "algo": config.algo, "env": config.env, "reached_target": false, "finish_reason": signal ?? "the learner ended without a summary",
                "workers": (try? config.algorithm.requirements.contains(.rolloutWorkers)) == true ? config.workers : 0,
            ]
            for (kind, count) in supervisor.restartCounts { summary["\(kind)_restarts"] = count }
            try? AtomicFile.write(try JSONFile.encode(summary), to: run.summary)
        }
        // JSON booleans read back as numbers on Linux.
        let reached = (summary["reached_target"] as? NSNumber)?.boolValue ?? false
        return Outcome(summaryPath: run.summary, reachedTarget: reached, hadTarget: RunConfig.hasTarget(config.targetReturn), stoppedBySignal: signal, finishReason: summary["finish_reason"] as? String ?? signal)
    }

    static func tail(of path: String, lines: Int = 15) -> String {
        guard let text = FileBytes.text(path) else { return "(no log at \(path))" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// A role killed by a signal before it listened (its start can be tried again).
struct KilledWhileStarting: Error {
    let message: String
}
