import Foundation
import Logging
import NexusEnvironments
import NexusTransport
import NexusWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One `python -m nexusrl env` process and the channel it answers on: N copies of a
/// Gymnasium environment stepped as one batch for one client (a worker, or the learner's
/// evaluation). The client listens on a Unix socket in a folder of its own and starts the
/// server connected to it; requests and replies (Nexus envelopes, one frame each) alternate,
/// each reply naming its request. The round trips block on a thread of this server's own
/// (`taskExecutor`): a task that prefers it steps with no thread hand-off at all. The server
/// ends when this process does (its standard input closes, and its channel); `restart` kills
/// it and starts a new one on a new socket, so nothing meant for the old one reaches it.
public final class EnvironmentServer: Sendable {
    public struct Settings: Sendable {
        /// The `gym:` name (as segments and specs carry it).
        public var env: String
        public var kwargs: [String: String]
        public var python: String
        public var copies: Int
        /// A request without a reply after this long is a failure (a hung environment).
        public var timeoutSeconds: Double
        /// The first reply of a new server may take this long (Python imports, MuJoCo's
        /// model compilation).
        public var startSeconds: Double = 120
        /// How many loops step `gym:` environments at once on this machine, this one included
        /// (the run's workers), and how many other busy processes share it (its learner):
        /// whether waiting awake for replies is worth a core (`ReplySpin`).
        public var concurrentLoops: Int
        public var otherBusyProcesses: Int

        public init(env: String, kwargs: [String: String], python: String, copies: Int, timeoutSeconds: Double, concurrentLoops: Int, otherBusyProcesses: Int = 0) {
            (self.env, self.kwargs, self.python, self.copies, self.timeoutSeconds) = (env, kwargs, python, copies, timeoutSeconds)
            (self.concurrentLoops, self.otherBusyProcesses) = (concurrentLoops, otherBusyProcesses)
        }
    }

    /// A running server: its process, where it connects, and the connection once made.
    private struct Incarnation: Sendable {
        let process: ChildProcess
        let listener: FramedUnixListener
        var connection: FramedConnection?
    }

    public let settings: Settings
    private let folder: ProcessFolder
    private let current = Mutex<Incarnation?>(nil)
    /// Counts restarts (each listens on a socket of its own).
    private let incarnation = Atomic<Int>(0)
    private let nextRequest = Atomic<UInt64>(1)
    /// Whether the running server has answered yet (its first request gets `startSeconds`).
    private let answered = Atomic<Bool>(false)
    /// How long a round trip reads awake for a step's reply before it sleeps.
    private let replySpin: Mutex<ReplySpin>
    private let thread: DedicatedThreadExecutor
    private let logger: Logger

    public init(_ settings: Settings, logger: Logger) throws {
        guard GymEnvironmentID.isGym(settings.env) else { throw RuntimeError("\(settings.env) is not a gym: environment") }
        self.settings = settings
        var spin = ReplySpin()
        spin.enabled = ReplySpin.worthwhile(loops: settings.concurrentLoops, others: settings.otherBusyProcesses, cores: ProcessInfo.processInfo.activeProcessorCount)
        replySpin = Mutex(spin)
        self.logger = logger
        folder = try ProcessFolder(kind: "env")
        thread = DedicatedThreadExecutor(name: "nexus-env")
        do {
            try start()
        } catch {
            thread.stop()
            folder.remove()
            throw error
        }
    }

    /// The thread the round trips block on: a stepping loop run there (`withTaskExecutorPreference`)
    /// computes its actions and meets each reply on it.
    public var taskExecutor: any TaskExecutor { thread }

    /// The log of the server processes (their standard output and errors).
    public var logPath: String { folder.path + "/env.log" }

    private func start() throws {
        let python = try PythonExpert.interpreter(settings.python)
        let listener = try FramedUnixListener(path: "\(folder.path)/socket-\(incarnation.add(1, ordering: .relaxed).newValue)")
        let arguments = [
            "-m", "nexusrl", "env", "--env", GymEnvironmentID.gymnasiumName(settings.env)!, "--kwargs", GymEnvironments.kwargsJSON(settings.kwargs),
            "--copies", "\(settings.copies)", "--connect", listener.path, "--watch-parent",
        ]
        // In its own folder: what the environment writes to its working directory (MuJoCo's
        // MUJOCO_LOG.TXT) goes with the folder.
        let child = try ChildProcess(name: "env", executable: python, arguments: arguments, logPath: logPath, workingDirectory: folder.path)
        answered.store(false, ordering: .relaxed)
        current.withLock { $0 = Incarnation(process: child, listener: listener) }
    }

    /// Kills the server (whatever state it is in) and starts a new one.
    public func restart() async throws {
        try await stopCurrent()
        try start()
    }

    private func stopCurrent() async throws {
        guard let old = current.withLock({ value in defer { value = nil }; return value }) else { return }
        old.process.signal(SIGKILL)
        _ = await old.process.waitForExit(seconds: 10)
        old.connection?.close()
    }

    /// Sends `kind` (a step's `idle` copies with it) and waits for its reply; what the
    /// environment raised, a reply that does not validate (`expecting`), a timeout or an ended
    /// process throws `EnvironmentFailure`.
    public func request(_ kind: EnvRequest.Kind, idle: [Bool] = [], expecting: WireExpectations = .none) async throws -> EnvReply.Result {
        try await withTaskExecutorPreference(thread) { try await self.roundTrip(kind, idle: idle, expecting: expecting) }
    }

    /// One request and its reply, blocking this server's thread (in slices: a server that
    /// dies is noticed at once by its closed socket, or within half a second).
    private func roundTrip(_ kind: EnvRequest.Kind, idle: [Bool], expecting: WireExpectations) async throws -> EnvReply.Result {
        let id = nextRequest.add(1, ordering: .relaxed).oldValue
        guard let running = current.withLock({ $0 }) else { throw EnvironmentFailure(description: "the environment server is closed") }
        let limit = answered.load(ordering: .relaxed) ? settings.timeoutSeconds : max(settings.timeoutSeconds, settings.startSeconds)
        let deadline = ContinuousClock.now + .seconds(limit)
        let connection = try await connection(of: running, deadline: deadline, limit: limit)
        // Observations and final observations of every copy as float32, and room to spare:
        // anything longer is not a reply of this protocol.
        let longest = (1 << 20) + settings.copies * max(1, expecting.observationDim ?? 1) * 16
        do {
            let sent = ContinuousClock.now
            let spin = replySpin.withLock { $0.seconds }
            try connection.send(WireCodec.encode(.envRequest(EnvRequest(requestID: id, kind: kind, idle: idle))), timeout: max(0.001, (deadline - ContinuousClock.now) / .seconds(1)))
            while true {
                // A stopping worker does not wait out a hung environment (its reply, if it
                // comes, names an older request and is skipped by the next one).
                try Task.checkCancellation()
                let remaining = (deadline - ContinuousClock.now) / .seconds(1)
                guard remaining > 0 else { throw EnvironmentFailure(description: "no reply from the environment in \(Self.seconds(limit))\(lastLogLine)") }
                guard let frame = try connection.receive(timeout: min(remaining, 0.5), limit: longest, spin: spin) else {
                    if !running.process.isRunning { throw await ended(running.process) }
                    continue
                }
                let message: WireMessage
                do {
                    message = try frame.withUnsafeBytes { try WireCodec.decode($0, expecting: expecting) }
                } catch {
                    throw EnvironmentFailure(description: "the environment's reply is refused: \(error)")
                }
                guard case .envReply(let reply) = message, reply.requestID == id else { continue }
                answered.store(true, ordering: .relaxed)
                if case .step = kind { replySpin.withLock { $0.replied(after: (ContinuousClock.now - sent) / .seconds(1)) } }
                if case .error(let text) = reply.result { throw EnvironmentFailure(description: "the environment raised \(text)") }
                return reply.result
            }
        } catch FramedSocketError.closed {
            throw await ended(running.process)
        } catch let error as FramedSocketError {
            throw EnvironmentFailure(description: "the environment's channel failed: \(error)\(lastLogLine)")
        }
    }

    /// The running server's connection: made by its first request, waiting for the server to
    /// connect (bounded by the deadline and by its life: one that dies importing never does).
    private func connection(of running: Incarnation, deadline: ContinuousClock.Instant, limit: Double) async throws -> FramedConnection {
        if let connection = running.connection { return connection }
        while true {
            try Task.checkCancellation()
            let remaining = (deadline - ContinuousClock.now) / .seconds(1)
            guard remaining > 0 else { throw EnvironmentFailure(description: "the environment server did not connect in \(Self.seconds(limit))\(lastLogLine)") }
            if !running.process.isRunning { throw await ended(running.process) }
            let accepted: FramedConnection?
            do {
                accepted = try running.listener.accept(timeout: min(remaining, 0.1))
            } catch {
                throw EnvironmentFailure(description: "cannot accept the environment server's connection: \(error)")
            }
            guard let accepted else { continue }
            current.withLock { value in
                if value?.process === running.process { value?.connection = accepted }
            }
            return accepted
        }
    }

    /// The failure of a server whose channel closed: how its process ended (waited for
    /// briefly: the socket closes a moment before the exit is seen) and its last words.
    private func ended(_ process: ChildProcess) async -> EnvironmentFailure {
        _ = await process.waitForExit(seconds: 2)
        return EnvironmentFailure(description: "the environment process \(process.exitDescription)\(lastLogLine)")
    }

    /// The spaces of the running server's environment.
    public func describe() async throws -> EnvSpaces {
        guard case .spaces(let spaces) = try await request(.describe) else { throw EnvironmentFailure(description: "describe was answered with a step") }
        return spaces
    }

    /// Resets every copy (copy i from `seed + i`); their first observations.
    public func reset(seed: UInt64?, observationDim: Int) async throws -> EnvStepped {
        guard case .stepped(let stepped) = try await request(.reset(seed: seed), expecting: WireExpectations(observationDim: observationDim)) else {
            throw EnvironmentFailure(description: "reset was answered with spaces")
        }
        try check(stepped, observationDim: observationDim, stepped: false)
        return stepped
    }

    /// Steps every copy with its row of `actions`, but those `idle` marks (empty: none).
    public func step(_ actions: Tensor, idle: [Bool] = [], observationDim: Int) async throws -> EnvStepped {
        guard case .stepped(let stepped) = try await request(.step(actions), idle: idle, expecting: WireExpectations(observationDim: observationDim)) else {
            throw EnvironmentFailure(description: "step was answered with spaces")
        }
        try check(stepped, observationDim: observationDim, stepped: true)
        return stepped
    }

    private func check(_ stepped: EnvStepped, observationDim: Int, stepped isStep: Bool) throws {
        let copies = settings.copies
        guard stepped.observations.shape == [copies, observationDim] else {
            throw EnvironmentFailure(description: "the environment returned observations of shape \(stepped.observations.shape), expected [\(copies), \(observationDim)]")
        }
        if isStep, stepped.rewards.count != copies {
            throw EnvironmentFailure(description: "the environment returned \(stepped.rewards.count) rewards for \(copies) copies")
        }
    }

    /// The last line the server processes wrote, as a suffix for an error.
    private var lastLogLine: String { ProcessFolder.lastWords(of: logPath) }

    private static func seconds(_ value: Double) -> String { value == value.rounded() ? "\(Int(value)) s" : "\(value) s" }

    /// Ends the server, its thread, and removes the socket's folder.
    public func close() async {
        try? await stopCurrent()
        thread.stop()
        // Failures were logged with the server's last words; the folder goes.
        folder.remove()
    }
}
