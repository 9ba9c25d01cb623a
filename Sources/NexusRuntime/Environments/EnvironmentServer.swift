import Foundation
import Logging
import NexusEnvironments
import NexusTransport
import NexusWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One `python -m nexusrl env` process and the DEALER it talks to: N copies of a Gymnasium
/// environment stepped as one batch for one client (a worker, or the learner's evaluation).
/// The client binds an `ipc://` socket in a folder of its own and starts the server connected
/// to it; requests and replies alternate, each reply naming its request. The server ends
/// when this process does (its standard input closes); `restart` kills it and starts a new
/// one on a new socket, so nothing meant for the old one reaches it.
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

        public init(env: String, kwargs: [String: String], python: String, copies: Int, timeoutSeconds: Double) {
            (self.env, self.kwargs, self.python, self.copies, self.timeoutSeconds) = (env, kwargs, python, copies, timeoutSeconds)
        }
    }

    public let settings: Settings
    private let folder: ProcessFolder
    /// The running server and the socket it is connected to; `incarnation` counts restarts.
    private let current = Mutex<(process: ChildProcess, socket: DealerSocket)?>(nil)
    private let incarnation = Atomic<Int>(0)
    private let nextRequest = Atomic<UInt64>(1)
    /// Whether the running server has answered yet (its first request gets `startSeconds`).
    private let answered = Atomic<Bool>(false)
    private let logger: Logger

    public init(_ settings: Settings, logger: Logger) throws {
        guard GymEnvironmentID.isGym(settings.env) else { throw RuntimeError("\(settings.env) is not a gym: environment") }
        self.settings = settings
        self.logger = logger
        folder = try ProcessFolder(kind: "env")
        do {
            try start()
        } catch {
            folder.remove()
            throw error
        }
    }

    /// The thread of the running server's socket, as a task executor: a stepping loop run
    /// there meets each reply on the thread that received it (one wake-up fewer a step).
    public var taskExecutor: (any TaskExecutor)? { current.withLock { $0?.socket.taskExecutor } }

    /// The log of the server processes (their standard output and errors).
    public var logPath: String { folder.path + "/env.log" }

    private func start() throws {
        let python = try PythonExpert.interpreter(settings.python)
        let endpoint = "ipc://\(folder.path)/socket-\(incarnation.add(1, ordering: .relaxed).newValue)"
        let socket = try DealerSocket(bind: [try Endpoint(parsing: endpoint)], logger: logger)
        let arguments = [
            "-m", "nexusrl", "env", "--env", GymEnvironmentID.gymnasiumName(settings.env)!, "--kwargs", GymEnvironments.kwargsJSON(settings.kwargs),
            "--copies", "\(settings.copies)", "--connect", endpoint, "--watch-parent",
        ]
        // In its own folder: what the environment writes to its working directory (MuJoCo's
        // MUJOCO_LOG.TXT) goes with the folder.
        let child = try ChildProcess(name: "env", executable: python, arguments: arguments, logPath: logPath, workingDirectory: folder.path)
        answered.store(false, ordering: .relaxed)
        current.withLock { $0 = (child, socket) }
    }

    /// Kills the server (whatever state it is in) and starts a new one.
    public func restart() async throws {
        try await stopCurrent()
        try start()
    }

    private func stopCurrent() async throws {
        guard let (old, socket) = current.withLock({ value in defer { value = nil }; return value }) else { return }
        old.signal(SIGKILL)
        _ = await old.waitForExit(seconds: 10)
        await socket.close()
    }

    /// Sends `kind` and waits for its reply; what the environment raised, a reply that does
    /// not validate (`expecting`), a timeout or an ended process throws `EnvironmentFailure`.
    public func request(_ kind: EnvRequest.Kind, expecting: WireExpectations = .none) async throws -> EnvReply.Result {
        let id = nextRequest.add(1, ordering: .relaxed).oldValue
        guard let (child, socket) = current.withLock({ $0 }) else { throw EnvironmentFailure(description: "the environment server is closed") }
        let limit = answered.load(ordering: .relaxed) ? settings.timeoutSeconds : max(settings.timeoutSeconds, settings.startSeconds)
        let deadline = ContinuousClock.now + .seconds(limit)
        let message = WireMessage.envRequest(EnvRequest(requestID: id, kind: kind))
        // At once where the server is connected (every step but the first); else the send
        // waits for it to connect, bounded by the same deadline and by the server's life (one
        // that dies while importing never connects). The guard costs a task group a call.
        let sentAtOnce = try answered.load(ordering: .relaxed) && socket.trySend(message)
        if !sentAtOnce {
            try await sendWhileAlive(message, on: socket, child: child, deadline: deadline, limit: limit)
        }
        while true {
            let remaining = (deadline - ContinuousClock.now) / .seconds(1)
            guard remaining > 0 else { throw EnvironmentFailure(description: "no reply from the environment in \(Self.seconds(limit))\(lastLogLine)") }
            if !child.isRunning {
                throw EnvironmentFailure(description: "the environment process \(child.exitDescription)\(lastLogLine)")
            }
            let payload: Payload
            do {
                // In slices: a server that died is noticed within half a second.
                payload = try await socket.receive(timeout: min(remaining, 0.5))
            } catch TransportError.timedOut {
                continue
            }
            let message: WireMessage
            do {
                message = try payload.withUnsafeBytes { try WireCodec.decode($0, expecting: expecting) }
            } catch {
                throw EnvironmentFailure(description: "the environment's reply is refused: \(error)")
            }
            guard case .envReply(let reply) = message, reply.requestID == id else { continue }
            answered.store(true, ordering: .relaxed)
            if case .error(let text) = reply.result { throw EnvironmentFailure(description: "the environment raised \(text)") }
            return reply.result
        }
    }

    private func sendWhileAlive(_ message: WireMessage, on socket: DealerSocket, child: ChildProcess, deadline: ContinuousClock.Instant, limit: Double) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await socket.send(message) }
            group.addTask { [self] in
                while child.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
                throw child.isRunning
                    ? EnvironmentFailure(description: "the environment server did not connect in \(Self.seconds(limit))\(lastLogLine)")
                    : EnvironmentFailure(description: "the environment process \(child.exitDescription)\(lastLogLine)")
            }
            try await group.next()
            group.cancelAll()
        }
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

    /// Steps every copy with its row of `actions`.
    public func step(_ actions: Tensor, observationDim: Int) async throws -> EnvStepped {
        guard case .stepped(let stepped) = try await request(.step(actions), expecting: WireExpectations(observationDim: observationDim)) else {
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

    /// Ends the server and removes the socket's folder.
    public func close() async {
        try? await stopCurrent()
        // Failures were logged with the server's last words; the folder goes.
        folder.remove()
    }
}
