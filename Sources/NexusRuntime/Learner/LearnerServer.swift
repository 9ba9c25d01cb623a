import Foundation
import Synchronization
import Logging
import NexusAlgorithms
import NexusEnvironments
import NexusTransport
import NexusWire

/// The learner process: PULL for trajectory segments, PUB for weights, ROUTER for control
/// (hello → welcome, heartbeats, status, stop). Trains whenever the algorithm has the data,
/// publishes each new version, evaluates, checkpoints, and at the end (target, time, stop
/// request or signal) saves a final checkpoint, writes `summary.json` and tells the workers
/// to stop.
public final class LearnerServer: Sendable {
    private let learner: Learner
    private let trajectories: PullSocket?
    private let publisher: PublisherSocket?
    private let control: RouterSocket
    private let run: RunDirectory
    private let logger: Logger
    private let expectations: WireExpectations
    /// The experts, for algorithms that ask them from the learner (imagined states).
    private let experts: [ExpertClient]
    private let spec: EnvironmentSpec
    /// Wakes the training loop: a segment was taken in, or the clock ticked (time limit).
    private let wakeups = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    private let controlPlane: ControlPlane
    /// The status's totals and levels as swift-metrics counters and gauges (Prometheus).
    private let evaluator: PolicyEvaluator
    private let metricsMirror = MetricsMirror(role: "learner", counters: NetworkCounts.totals)
    /// Announced with the sockets' endpoints (`metrics`: the Prometheus endpoint's URL).
    private let extraAnnouncements: [String: String]
    /// Segments received, and each worker's newest (`DataWait`, `ShareLedger`).
    private let ledger = Mutex(ShareLedger())
    private let started = ContinuousClock.now
    private var secondsSinceStart: Double { (ContinuousClock.now - started) / .seconds(1) }

    public init(config: RunConfig, run: RunDirectory, resume: Bool, announcing extraAnnouncements: [String: String] = [:], logger: Logger) throws {
        self.extraAnnouncements = extraAnnouncements
        let spec = try config.environmentSpec
        let algorithm = try config.algorithm.makeAlgorithm(config: config, spec: spec)
        let usesWorkers = algorithm.usesWorkers
        self.spec = spec
        experts = algorithm.asksExpert
            ? try ExpertClient.panel(for: config, spec: spec, workerID: 0, security: RoleSecurity(config.security), logger: logger) : []
        evaluator = try PolicyEvaluator(config: config, spec: spec, logger: logger)
        learner = try Learner(config: config, algorithm: algorithm, evaluator: evaluator, run: run, resume: resume, logger: logger)
        self.run = run
        self.logger = logger
        expectations = WireExpectations(
            envID: spec.id, observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension,
            discreteActions: spec.actionSpace.discreteCount, maxSegmentSteps: config.worker.segmentSteps,
            maxObservationMagnitude: WireExpectations.observationMagnitudeBound)
        // CURVE where the endpoints may cross a network (security.mode): the ZAP handler and
        // its allowlist are in place before the first of them binds.
        let security = RoleSecurity(config.security)
        let controlEndpoint = try Endpoint(parsing: config.endpoints.control)
        var controlOptions = SocketOptions.default
        // A peer gets a few replies at a time (welcome, status, stop): one that does not read
        // them holds at most this many, and the rest are dropped (`reply`).
        controlOptions.sendHighWaterMark = 8
        // Workers send a hello and a heartbeat a second: a peer with more unread is a flood.
        controlOptions.receiveHighWaterMark = 64
        control = try RouterSocket(bind: [controlEndpoint], options: try security.server(controlEndpoint, controlOptions), logger: logger)
        controlPlane = ControlPlane(
            runID: learner.runID, workers: config.workers, workerTimeoutSeconds: config.learner.workerTimeoutSeconds,
            idHeldSeconds: config.worker.heartbeatSeconds * config.launcher.silentHeartbeats)
        // A long evaluation (a slow gym: environment) keeps the status fresh: the launcher
        // judges the learner by it and must not take a busy one for a hung one.
        evaluator.onProgress = { [controlPlane] in controlPlane.touch() }
        if usesWorkers {
            var pullOptions = SocketOptions.default
            pullOptions.inboundCapacity = config.learner.segmentQueue
            // Bounded by bytes as well as count, and per peer in libzmq: a worker has a few
            // segments in flight; a peer pushing junk at full rate waits on TCP, not in memory.
            pullOptions.inboundCapacityBytes = 8 << 20
            pullOptions.receiveHighWaterMark = 100
            let trajectoriesEndpoint = try Endpoint(parsing: config.endpoints.trajectories), weightsEndpoint = try Endpoint(parsing: config.endpoints.weights)
            trajectories = try PullSocket(bind: [trajectoriesEndpoint], options: try security.server(trajectoriesEndpoint, pullOptions), logger: logger)
            publisher = try PublisherSocket(bind: [weightsEndpoint], options: try security.server(weightsEndpoint), logger: logger)
        } else {
            trajectories = nil
            publisher = nil
        }
        let bound = [controlEndpoint] + (trajectories.map { [$0.endpoints[0]] } ?? []) + (publisher.map { [$0.endpoints[0]] } ?? [])
        if let line = try security.describe(bound, binding: true) {
            logger.notice("\(line)")
        }
    }

    /// The endpoints as bound (real ports for `*`).
    public var boundEndpoints: [String: String] {
        var endpoints = ["control": control.endpoints[0].description]
        if let trajectories { endpoints["trajectories"] = trajectories.endpoints[0].description }
        if let publisher { endpoints["weights"] = publisher.endpoints[0].description }
        return endpoints
    }

    /// What the sockets refused or dropped, for status and the summary.
    private var networkMetrics: [Metric] {
        let sockets: [(SocketStatistics, SocketSecurity)] = [
            (control.statistics, control.options.security),
        ] + [trajectories.map { ($0.statistics, $0.options.security) }, publisher.map { ($0.statistics, $0.options.security) }].compactMap { $0 }
        let total = { (value: (SocketStatistics) -> UInt64) in sockets.reduce(0) { $0 + value($1.0) } }
        return NetworkCounts(
            rejectedMessages: total { $0.rejectedMessages + $0.malformedMessages }, handshakeFailures: total(\.handshakeFailures),
            authFailures: sockets.reduce(0) { $0 + $1.0.authFailures(under: $1.1) }, slowPeerRepliesDropped: total(\.droppedSlowPeer),
            welcomesWithoutWeights: controlPlane.welcomesWithoutWeights, hellosRefused: controlPlane.hellosRefused,
            envFailures: controlPlane.envFailures + evaluator.failures,
            expertRetries: controlPlane.expertRetries + UInt64(experts.reduce(0) { $0 + $1.retries })
        ).metrics
    }

    /// The endpoints workers are told: the bound ones, under the advertised host where they
    /// bind every interface.
    static func advertised(_ bound: String, config: RunConfig) -> String {
        guard let endpoint = try? Endpoint(parsing: bound) else { return bound }
        if !config.endpoints.advertise.isEmpty { return endpoint.advertised(as: config.endpoints.advertise).description }
        return endpoint.bindsEveryInterface ? endpoint.advertised(as: ProcessInfo.processInfo.hostName).description : bound
    }

    public func run(until stop: StopSignal) async throws {
        var config = learner.config
        let advertise = { (bound: String) in Self.advertised(bound, config: self.learner.config) }
        config.endpoints.control = advertise(boundEndpoints["control"]!)
        config.endpoints.trajectories = boundEndpoints["trajectories"].map(advertise) ?? config.endpoints.trajectories
        config.endpoints.weights = boundEndpoints["weights"].map(advertise) ?? config.endpoints.weights
        // The expert may run elsewhere: only an every-interface address is replaced.
        if (try? Endpoint(parsing: config.endpoints.expert))?.bindsEveryInterface == true { config.endpoints.expert = advertise(config.endpoints.expert) }
        let served = try ConfigLoader.yaml(config)
        await learner.setServedConfig(served)
        controlPlane.serve(config: served)
        controlPlane.publish(await learner.weights)
        controlPlane.publish(metrics: await learner.statusMetrics())
        try EndpointAnnouncement.write(boundEndpoints.merging(extraAnnouncements) { bound, _ in bound }, role: "learner", pid: getpid(), to: run.announcement("learner"))
        logger.info("learner listening", metadata: ["endpoints": "\(boundEndpoints)", "run_id": "\(learner.runID)"])
        if config.algo == "mega-dagger", GymEnvironmentID.isGym(config.env), !config.unsafeRegion.isEmpty {
            let region = try config.checkedUnsafeRegion(observationDim: nil)
            logger.notice("\(config.env)'s unsafe region: \(region); MEGA-DAgger's safety lookahead judges imagined states by it")
        } else if config.algo == "mega-dagger", GymEnvironmentID.isGym(config.env) {
            // Nexus knows no unsafe region of a user's environment: say what MEGA-DAgger does
            // without one.
            logger.notice("\(config.env) declares no unsafe region: MEGA-DAgger runs with its query gate and no safety lookahead; unsafe events are counted only where the environment reports info[\"unsafe\"] (declare one with unsafe_region)")
        }

        // Training on a thread of its own: an iteration blocks it for as long as it takes, and
        // nothing else (receiving segments, the metrics endpoint) waits behind it on the pool.
        let trainingThread = DedicatedThreadExecutor(name: "nexus-train")
        defer { trainingThread.stop() }
        var loops = [
            RoleLoop(on: control.taskExecutor) { try await self.serveControl(stop) }, RoleLoop(on: trainingThread) { try await self.train(stop) },
            RoleLoop { try await self.metricsMirror.run { self.controlPlane.status(network: self.networkMetrics).metrics } },
        ]
        if trajectories != nil {
            loops += [RoleLoop { try await self.receiveSegments() }, RoleLoop { try await self.republishWeights() }]
        }
        try await runUntilStopped(stop, loops)
        await shutDown(reason: stop.isStopped ? stop.reason : await learner.finishReason ?? "stopped")
        await evaluator.close()
    }

    private func train(_ stop: StopSignal) async throws {
        if let publisher { try await publisher.send(.weights(await learner.weights)) }
        let ticker = Task { [wakeups] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                wakeups.continuation.yield()
            }
        }
        defer { ticker.cancel() }
        var wakeup = wakeups.stream.makeAsyncIterator()
        var dataWait = DataWait(after: trajectories == nil ? 0 : learner.config.worker.versionWaitSeconds)
        while !stop.isStopped {
            if let weights = try await learner.trainIfReady() {
                // Published first: workers collect the next iteration's data while this one
                // is evaluated and recorded.
                controlPlane.publish(weights)
                if let publisher { try await publisher.send(.weights(weights)) }
                try await learner.evaluateAndRecord(network: networkMetrics)
                try await labelWantedStates()
                dataWait.trained()
            } else {
                if dataWait.waiting(now: secondsSinceStart, received: ledger.withLock(\.received)) { askForMoreData() }
                // Cancelled (another loop ended): the stream ends, and so does this loop.
                guard await wakeup.next() != nil else { return }
            }
            await learner.checkTime()
            controlPlane.publish(metrics: await learner.statusMetrics())
            if await learner.finishReason != nil { return }
        }
    }

    /// One worker whose share of the newest version is in collects another (`ShareLedger`);
    /// none when no live worker's is. Never waiting for the peer, as the stop at the end does not.
    private func askForMoreData() {
        guard let version = controlPlane.weights?.version else { return }
        let live = controlPlane.activePeers
        let now = secondsSinceStart
        guard let workerID = ledger.withLock({ $0.ask(version: version, among: Set(live.map(\.workerID)), at: now) }) else { return }
        let request = WireCodec.encode(.control(.moreData(policyVersion: version)))
        for (peer, id) in live where id == workerID { _ = try? control.reply(to: peer, encoded: request) }
        logger.debug("no segment for \(learner.config.worker.versionWaitSeconds) s: asked worker \(workerID) for another share of version \(version)")
    }

    /// The states the algorithm wants labelled now, asked of every expert (their answers fused
    /// as a worker fuses them, without a world model's filter).
    private func labelWantedStates() async throws {
        guard !experts.isEmpty else { return }
        let states = await learner.statesToLabel()
        let rows = states.count / spec.observationDim
        guard rows > 0 else { return }
        let answers = try await ExpertClient.askAll(experts, states, rows: rows, observationDim: spec.observationDim)
        let fused = LabelFusion.fuse(
            answers: answers, rows: rows, actionDim: spec.actionSpace.dimension, discrete: spec.actionSpace.discreteCount != nil) { _, _ in false }
        await learner.ingestLabels(observations: states, labels: fused.labels, answers: rows * experts.count)
    }

    private func receiveSegments() async throws {
        guard let trajectories else { return }
        while true {
            let message = try await trajectories.receiveMessage(expecting: expectations)
            if case .trajectory(let segment) = message {
                ledger.withLock { $0.segment(from: segment.workerID, version: segment.policyVersion, at: secondsSinceStart) }
                await learner.inbox.put(.segment(segment))
            } else {
                await learner.inbox.put(.wrongKind)
            }
            wakeups.continuation.yield()
        }
    }

    /// PUB drops messages for subscribers that have not joined yet: repeating the newest
    /// weights each second lets a late or reconnected worker catch up.
    private func republishWeights() async throws {
        guard let publisher else { return }
        while true {
            try await Task.sleep(for: .seconds(1))
            // From the control plane: the learner may be busy training for seconds.
            if let weights = controlPlane.weights { try await publisher.send(.weights(weights)) }
        }
    }

    /// Answers the control socket on its own thread, everything that has arrived in one pass
    /// without suspending: a flood of requests from connections that come and go must be read
    /// as fast as it comes, since libzmq keeps each connection's state until its messages are
    /// read (unread, 34,000 connections held 400 MB).
    private func serveControl(_ stop: StopSignal) async throws {
        while true {
            var next: (peer: PeerID, message: WireMessage)? = try await control.receiveMessage()
            while let (peer, message) = next {
                try handleControl(message, from: peer, stop: stop)
                next = control.tryReceiveMessage()
            }
        }
    }

    private func handleControl(_ message: WireMessage, from peer: PeerID, stop: StopSignal) throws {
        guard case .control(let control) = message else { return }
        switch control {
        case .hello(let hello):
            let (welcome, rationed) = controlPlane.welcome(peer, hello)
            if !welcome.refused.isEmpty {
                if rationed {
                    logger.warning("refused a worker from \(hello.host.prefix(64)) pid \(hello.pid): \(welcome.refused)", metadata: ["hellos_refused": "\(controlPlane.hellosRefused)"])
                }
            } else if rationed {
                // A peer's strings are logged short: a 1 MiB host name must not fill the log
                // (and only rationed welcomes are logged: a flood must not either).
                logger.info("worker \(hello.workerID) joined", metadata: ["host": "\(hello.host.prefix(64))", "pid": "\(hello.pid)"])
            }
            try self.control.reply(to: peer, .control(.welcome(welcome)))
        case .heartbeat(let heartbeat):
            controlPlane.heard(peer, workerID: heartbeat.workerID, envFailures: heartbeat.envFailures, expertRetries: heartbeat.expertRetries)
        case .statusRequest:
            try self.control.reply(to: peer, encoded: controlPlane.encodedStatus { self.networkMetrics })
        case .stop(let reason):
            stop.trigger("stop requested: \(reason)")
        case .welcome, .status, .moreData:
            break
        }
    }

    /// Final checkpoint, summary, and a stop to every worker that said hello.
    private func shutDown(reason: String) async {
        await learner.finish(reason)
        do {
            let path = try await learner.saveCheckpoint()
            logger.info("final checkpoint \(path)")
        } catch {
            logger.error("final checkpoint failed: \(error)")
        }
        do {
            try AtomicFile.write(try await learner.summaryJSON(network: networkMetrics), to: run.summary)
        } catch {
            logger.error("cannot write \(run.summary): \(error)")
        }
        let peers = controlPlane.peers
        // Never waiting for a peer: a table full of connections that do not read would
        // otherwise cost half a second each.
        for peer in peers { _ = try? control.reply(to: peer, .control(.stop(reason: reason))) }
        // libzmq delivers queued messages from its I/O thread; a process that exits at once can
        // take an unsent stop with it, leaving a worker waiting for a learner that is gone.
        if !peers.isEmpty { try? await Task.sleep(for: .milliseconds(200)) }
        await trajectories?.close()
        await publisher?.close()
        await control.close()
        for expert in experts { await expert.close() }
    }
}
