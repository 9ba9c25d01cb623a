import Foundation
import Logging
import NexusAlgorithms
import NexusEnvironments
import NexusPolicies
import NexusTransport
import NexusWire
import Synchronization

/// The worker process. Joins the learner (Hello → Welcome with the run's configuration and
/// current weights; retried with backoff while the learner is absent), then steps its
/// environments with the newest policy under the rollout plan, asks the expert where the plan
/// says so, ships fixed-length segments tagged with the policy version, and heartbeats.
public final class RolloutWorker: Sendable {
    public struct Options: Sendable {
        public var workerID: UInt32
        public var learnerControl: Endpoint
        /// A file of keys (`--config`), then `--set` overrides, laid over the configuration
        /// the learner sends.
        public var configFile: String?
        public var overrides: [String] = []
        /// For the worker process: exit if closing the sockets after the stop takes longer
        /// than this (seconds; nil: wait, as a library must).
        public var shutdownDeadlineSeconds: Double?
        public init(workerID: UInt32, learnerControl: Endpoint, configFile: String? = nil, overrides: [String] = [], shutdownDeadlineSeconds: Double? = nil) {
            self.workerID = workerID
            self.learnerControl = learnerControl
            self.configFile = configFile
            self.overrides = overrides
            self.shutdownDeadlineSeconds = shutdownDeadlineSeconds
        }
    }

    private let options: Options
    private let logger: Logger
    /// Env steps and installed policy version, for heartbeats and the final log line.
    private let progress = Mutex<(envSteps: UInt64, version: UInt64)>((0, 0))
    /// The newest version the learner asked more data of, not yet seen by the rollout loop.
    private let moreData = Mutex<UInt64?>(nil)
    /// With several experts: labels they disagreed on, and labels dropped as unsafe.
    private let fusion = Mutex<(conflicts: Int, filtered: Int)>((0, 0))
    private let unsafeStaysReleased = Atomic<Int>(0)
    /// Steps of a `gym:` environment that failed (raised, hung, died, answered nonsense).
    private let envFailures = Atomic<Int>(0)
    /// The expert clients once made: their retries go into the heartbeats.
    private let expertClients = Mutex<[ExpertClient]>([])

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run(until stop: StopSignal) async throws {
        // Before the welcome, the worker's own settings (its --set overrides) say how to reach
        // the learner: on another host, with CURVE and this host's keys.
        let own = try ConfigLoader.load(yaml: "", source: "", overlay: options.configFile, overrides: options.overrides)
        let ownSecurity = RoleSecurity(own.security)
        var socketOptions = try ownSecurity.client(options.learnerControl)
        socketOptions.routingID = Array("worker-\(options.workerID)-\(getpid())".utf8)
        let control = try DealerSocket(connect: [options.learnerControl], options: socketOptions, logger: logger)
        if let line = try ownSecurity.describe([options.learnerControl], binding: false) { logger.notice("\(line)") }
        let silence = JoinSilence(endpoint: options.learnerControl.description, curve: try ownSecurity.clientIdentity(for: options.learnerControl))
        guard let welcome = try await join(control, refusedFor: own.worker.joinRefusedSeconds, silence: silence, stop: stop) else {
            await control.close()
            return
        }
        let config = try ConfigLoader.load(
            yaml: welcome.runConfig, source: "the learner's run configuration", overlay: options.configFile, overrides: options.overrides)
        // Heartbeats from the welcome on, on the control socket's own thread: what follows
        // (a gym: environment's spec is asked of Python) must not look like silence.
        let heartbeats = Task(executorPreference: control.taskExecutor) { try await self.heartbeat(control, every: config.worker.heartbeatSeconds) }
        defer { heartbeats.cancel() }
        logger.info("joined run \(welcome.runID)", metadata: ["env": "\(config.env)", "envs": "\(config.worker.envs)"])

        let security = RoleSecurity(config.security)
        let inbox = try WeightsInbox(endpoint: try Endpoint(parsing: config.endpoints.weights), security: security, logger: logger)
        if let weights = welcome.weights { inbox.offer(weights) }
        let trajectoriesEndpoint = try Endpoint(parsing: config.endpoints.trajectories)
        var pushOptions = try security.client(trajectoriesEndpoint)
        pushOptions.sendHighWaterMark = 64
        let push = try PushSocket(connect: [trajectoriesEndpoint], options: pushOptions, logger: logger)
        let spec = try config.environmentSpec
        // Only algorithms that need an expert have one to connect to.
        // Several experts (expert.endpoints) are all asked; their labels are fused.
        let experts = try config.algorithm.requirements.contains(.expert)
            ? ExpertClient.panel(for: config, spec: spec, workerID: options.workerID, security: security, logger: logger) : []
        expertClients.withLock { $0 = experts }

        try await runUntilStopped(stop, [
            RoleLoop { try await inbox.run() },
            RoleLoop { try await self.listen(control, inbox: inbox, stop: stop) },
            // On the control socket's own thread: a heartbeat never waits behind rollout work on
            // the shared pool (the launcher replaces a worker that misses 2.5 of them).
            // Stopping the loops stops the heartbeats too (awaiting a task's value does not
            // cancel it: the worker would wait for them forever).
            RoleLoop { try await withTaskCancellationHandler { try await heartbeats.value } onCancel: { heartbeats.cancel() } },
            RoleLoop(on: experts.first?.taskExecutor) { try await self.rollout(config, spec: spec, inbox: inbox, experts: experts, push: push) },
        ])
        let fused = fusion.withLock { $0 }
        logger.info("stopping: \(stop.reason)", metadata: [
            "env_steps": "\(progress.withLock { $0.envSteps })", "expert_retries": "\(experts.reduce(0) { $0 + $1.retries })",
            "label_conflicts": "\(fused.conflicts)", "unsafe_labels_filtered": "\(fused.filtered)",
            "unsafe_stays_released": "\(unsafeStaysReleased.load(ordering: .relaxed))",
            "env_failures": "\(envFailures.load(ordering: .relaxed))",
        ])
        let deadline = options.shutdownDeadlineSeconds.map { ShutdownDeadline(role: "worker \(options.workerID)", seconds: $0) }
        deadline?.enter("closing the control socket")
        await control.close()
        deadline?.enter("closing the trajectory socket")
        await push.close()
        deadline?.enter("closing the expert sockets")
        for expert in experts { await expert.close() }
        deadline?.enter("closing the weights socket")
        await inbox.close()
        deadline?.enter("returning from the worker")
    }

    /// Says hello until the learner welcomes this worker; nil if stopped first. Refused (its
    /// id is another live worker's) for longer than `refusedFor` seconds, it gives up with the
    /// reason: a restarted worker gets in once its dead predecessor's id is free, a second
    /// worker with the same id ends.
    private func join(_ control: DealerSocket, refusedFor refusedSeconds: Double, silence: JoinSilence, stop: StopSignal) async throws -> ControlMessage.Welcome? {
        var silence = silence
        let started = ContinuousClock.now
        var backoff = Backoff(initial: 0.25, maximum: 2)
        let hello = ControlMessage.Hello(
            workerID: options.workerID, host: ProcessInfo.processInfo.hostName, pid: UInt32(getpid()),
            numEnvs: 0, nexusVersion: NexusVersion.current)
        var refusedSince: ContinuousClock.Instant?
        while !stop.isStopped {
            let wait = backoff.next()
            do {
                let welcome = try await withTimeout(seconds: wait) {
                    // Inside the timeout: with no connection up (a learner not there yet, or
                    // one whose CURVE handshake refuses this worker) the hello cannot leave.
                    try await control.send(.control(.hello(hello)))
                    while true {
                        if case .control(.welcome(let welcome)) = try await control.receiveMessage() { return welcome }
                    }
                }
                guard !welcome.refused.isEmpty else { return welcome }
                let since = refusedSince ?? .now
                refusedSince = since
                if ContinuousClock.now - since > .seconds(refusedSeconds) {
                    throw RuntimeError("the learner at \(options.learnerControl) refuses this worker: \(welcome.refused)")
                }
                logger.warning("the learner refuses this worker for now: \(welcome.refused); saying hello again in \(wait) s")
                try await Task.sleep(for: .seconds(wait))
            } catch TransportError.timedOut {
                if let warning = silence.unanswered(at: (ContinuousClock.now - started) / .seconds(1)) {
                    logger.warning("\(warning)")
                } else {
                    logger.info("no welcome from the learner at \(options.learnerControl) yet; saying hello again")
                }
                continue
            }
            silence.answered()
        }
        return nil
    }

    private func listen(_ control: DealerSocket, inbox: WeightsInbox, stop: StopSignal) async throws {
        while true {
            switch try await control.receiveMessage() {
            case .control(.stop(let reason)):
                stop.trigger("the learner asked to stop: \(reason)")
                return
            case .control(.moreData(let version)):
                moreData.withLock { $0 = max($0 ?? 0, version) }
                inbox.nudge()
            default:
                continue
            }
        }
    }

    private func heartbeat(_ control: DealerSocket, every seconds: Double) async throws {
        var sequence: UInt64 = 0
        while true {
            sequence += 1
            let (steps, version) = progress.withLock { $0 }
            try await control.send(.control(.heartbeat(.init(workerID: options.workerID, sequence: sequence, envSteps: steps, policyVersion: version,
                envFailures: UInt64(envFailures.load(ordering: .relaxed)),
                expertRetries: UInt64(expertClients.withLock { $0.reduce(0) { $0 + $1.retries } })))))
            try await Task.sleep(for: .seconds(seconds))
        }
    }

    private func rollout(_ config: RunConfig, spec: EnvironmentSpec, inbox: WeightsInbox, experts: [ExpertClient], push: PushSocket) async throws {
        let seed = WorkerSeed.collector(runSeed: config.seed, workerID: options.workerID)
        let (made, server) = try await WorkerEnvironments.collector(config, spec: spec, workerID: options.workerID, seed: seed, logger: logger)
        do {
            // A gym: environment's round trips block its server's own thread: step there, so
            // each reply meets the loop with no thread hand-off.
            try await withTaskExecutorPreference(server?.taskExecutor) {
                try await collect(into: made, config, spec: spec, inbox: inbox, experts: experts, push: push)
            }
        } catch {
            await server?.close()
            throw error
        }
    }

    private func collect(
        into made: any RolloutCollecting, _ config: RunConfig, spec: EnvironmentSpec, inbox: WeightsInbox, experts: [ExpertClient], push: PushSocket
    ) async throws {
        var collector = made
        var core = WorkerCore(
            stepsPerVersion: config.workerStepsPerVersion, stepsPerGatedVersion: config.workerStepsPerGatedVersion,
            versionWaitSeconds: config.worker.versionWaitSeconds, queryVersionWaitSeconds: config.worker.queryVersionWaitSeconds)
        var installed: InstalledPolicy?
        let clock = ContinuousClock(), origin = clock.now
        while true {
            try Task.checkCancellation()
            let offers = inbox.offerCount
            if let version = moreData.withLock({ request in defer { request = nil }; return request }) { core.learnerWantsMore(version: version) }
            let version: UInt64
            switch core.next(offered: inbox.take(over: core.installed), now: (clock.now - origin) / .seconds(1)) {
            case .install(let weights):
                // Policy and plan are built and checked first and installed together, with the
                // version: weights that do not fit this environment change nothing.
                do {
                    installed = try InstalledPolicy(weights, spec: spec)
                    core.installed(weights)
                } catch {
                    core.refused(weights)
                    logger.error("refused weights version \(weights.version): \(error)", metadata: ["refused_weights": "\(core.refusedWeights)"])
                }
                continue
            case .awaitFirstWeights:
                await inbox.waitForOffer(after: offers, seconds: 0.5)
                continue
            case .awaitNextVersion(let seconds):
                await inbox.waitForOffer(after: offers, seconds: seconds)
                continue
            case .step(let installedVersion):
                version = installedVersion
            }
            guard let installed else { continue }
            let (policy, plan, gate) = (installed.policy, installed.plan, installed.gate)
            // Phases: the policy proposes, only the rows the plan picked go to the expert, then
            // the environments step.
            let rows = collector.propose(policy: policy, plan: plan, gate: gate)
            var answers: [[Float]] = [[]]
            if !rows.isEmpty {
                guard !experts.isEmpty else { throw RuntimeError("the rollout plan of version \(version) asks for an expert, and \(config.algo) runs without one") }
                answers = try await ExpertClient.askAll(experts, collector.observations(ofRows: rows), rows: rows.count, observationDim: collector.observationDim)
            }
            let segments: [TrajectorySegment]
            do {
                segments = try await collector.completeStep(policyVersion: version, expertAnswers: answers)
            } catch let failure as EnvironmentFailure {
                // The user's environment misbehaved: counted, a new one, the copies' episodes
                // cut where they stood; the worker goes on.
                let count = envFailures.add(1, ordering: .relaxed).newValue
                logger.error("environment failure: \(failure)", metadata: ["env_failures": "\(count)"])
                try await collector.recoverEnvironments()
                continue
            }
            core.stepped(copies: collector.envCount, plan: plan)
            for segment in segments { try await push.send(.trajectory(segment)) }
            let steps = collector.envSteps
            progress.withLock { $0 = (steps, version) }
            if experts.count > 1 { fusion.withLock { $0 = collector.fusion } }
            unsafeStaysReleased.store(collector.unsafeStaysReleased, ordering: .relaxed)
        }
    }
}
