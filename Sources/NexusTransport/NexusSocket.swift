import Logging
import NexusWire
import Synchronization

/// The socket patterns, as types: `NexusSocket<Push>`, `NexusSocket<Router>`, …
/// Each pattern only gets the operations that make sense for it.
public protocol SocketRole: Sendable { static var kind: SocketKind { get } }
/// Patterns whose outgoing messages are one payload frame.
public protocol SendsPayloads: SocketRole {}
/// Patterns whose incoming messages are one payload frame.
public protocol ReceivesPayloads: SocketRole {}

public enum Push: SendsPayloads { public static let kind = SocketKind.push }
public enum Pull: ReceivesPayloads { public static let kind = SocketKind.pull }
public enum Publisher: SendsPayloads { public static let kind = SocketKind.publisher }
public enum Subscriber: ReceivesPayloads { public static let kind = SocketKind.subscriber }
public enum Dealer: SendsPayloads, ReceivesPayloads { public static let kind = SocketKind.dealer }
public enum Router: SocketRole { public static let kind = SocketKind.router }

public typealias PushSocket = NexusSocket<Push>
public typealias PullSocket = NexusSocket<Pull>
public typealias PublisherSocket = NexusSocket<Publisher>
public typealias SubscriberSocket = NexusSocket<Subscriber>
public typealias DealerSocket = NexusSocket<Dealer>
public typealias RouterSocket = NexusSocket<Router>

/// A ZeroMQ socket usable from Swift concurrency. Sends and receives suspend instead of
/// blocking; the socket is owned by its own thread (see `SocketCore`). Closing is explicit
/// (`close()`), and also happens when the last reference goes away.
public final class NexusSocket<Role: SocketRole>: Sendable {
    let core: SocketCore
    private let rejections: RejectionLog

    /// Creates the socket, binds and connects it. Bound `tcp://host:*` endpoints are
    /// reported with their real port in `endpoints`.
    public init(
        bind: [Endpoint] = [], connect: [Endpoint] = [], options: SocketOptions = .default,
        context: ZMQContext = .shared, logger: Logger = Logger(label: "nexus.transport")
    ) throws {
        var options = options
        if Role.kind != .subscriber { options.conflate = false }
        core = try SocketCore(kind: Role.kind, bind: bind, connect: connect, options: options, context: context)
        rejections = RejectionLog(logger: logger, socket: "\(Role.kind) \((core.boundEndpoints + connect).map(\.description).joined(separator: ","))")
    }

    deinit { core.requestClose() }

    /// The endpoints this socket bound, as libzmq resolved them.
    public var endpoints: [Endpoint] { core.boundEndpoints }

    public var statistics: SocketStatistics { core.statistics }

    /// The options the socket was made with.
    public var options: SocketOptions { core.options }

    /// Flushes queued messages (for at most the linger time) and closes the socket.
    public func close() async { await core.close() }

    /// Counts a bad incoming message and logs the first of each kind from each sender.
    func reject(_ error: any Error, from sender: String) {
        core.noteRejected()
        rejections.record(error, from: sender)
    }
}

extension NexusSocket where Role: SendsPayloads {
    public func send(_ payload: [UInt8], isolation: isolated (any Actor)? = #isolation) async throws {
        try await core.send([payload])
    }

    public func send(_ message: WireMessage, isolation: isolated (any Actor)? = #isolation) async throws {
        try await send(WireCodec.encode(message))
    }

    /// Hands the message to libzmq if it takes it now (a peer is connected and has room);
    /// false, and nothing sent (counted in `droppedSlowPeer`), where `send` would wait.
    public func trySend(_ message: WireMessage) throws -> Bool {
        try core.sendWithoutWaiting([WireCodec.encode(message)])
    }
}

extension NexusSocket where Role: ReceivesPayloads {
    /// The next payload, whatever its content; with a `timeout` (seconds), throws
    /// `TransportError.timedOut` if none arrives in time.
    public func receive(timeout: Double? = nil, isolation: isolated (any Actor)? = #isolation) async throws -> Payload {
        try await core.receive(timeout: timeout)[0]
    }

    /// The next payload that decodes and validates; others are counted and dropped. A
    /// `timeout` bounds the whole wait, bad messages included.
    public func receiveMessage(
        limits: WireLimits = .default, expecting: WireExpectations = .none, timeout: Double? = nil,
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> WireMessage {
        let deadline = timeout.map { ContinuousClock.now + .seconds($0) }
        while true {
            let remaining = deadline.map { max(0, ($0 - ContinuousClock.now) / .seconds(1)) }
            let payload = try await receive(timeout: remaining)
            do {
                return try payload.withUnsafeBytes { try WireCodec.decode($0, limits: limits, expecting: expecting) }
            } catch {
                reject(error, from: "a \(Role.kind) peer")
            }
        }
    }
}

/// A ROUTER peer's routing id.
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var description: String {
        if let text = String(validating: bytes, as: UTF8.self), text.allSatisfy({ $0.isASCII && !$0.isNewline }) { return text }
        return "0x" + bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension NexusSocket where Role == Router {
    /// The next message and its sender; with a `timeout` (seconds), throws
    /// `TransportError.timedOut` if none arrives in time.
    public func receive(timeout: Double? = nil, isolation: isolated (any Actor)? = #isolation) async throws -> (peer: PeerID, payload: Payload) {
        let frames = try await core.receive(timeout: timeout)
        return (PeerID(Array(frames[0])), frames[1])
    }

    public func receiveMessage(
        limits: WireLimits = .default, expecting: WireExpectations = .none, timeout: Double? = nil,
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> (peer: PeerID, message: WireMessage) {
        let deadline = timeout.map { ContinuousClock.now + .seconds($0) }
        while true {
            let remaining = deadline.map { max(0, ($0 - ContinuousClock.now) / .seconds(1)) }
            let (peer, payload) = try await receive(timeout: remaining)
            do {
                return (peer, try payload.withUnsafeBytes { try WireCodec.decode($0, limits: limits, expecting: expecting) })
            } catch {
                reject(error, from: "peer \(peer)")
            }
        }
    }

    /// A message that has already arrived, if any, without waiting; bad ones are counted
    /// and dropped.
    public func tryReceiveMessage(limits: WireLimits = .default, expecting: WireExpectations = .none) -> (peer: PeerID, message: WireMessage)? {
        while let frames = core.tryReceive() {
            let peer = PeerID(Array(frames[0]))
            do {
                return (peer, try frames[1].withUnsafeBytes { try WireCodec.decode($0, limits: limits, expecting: expecting) })
            } catch {
                reject(error, from: "peer \(peer)")
            }
        }
        return nil
    }

    /// Sends to one peer; a peer that has gone is counted in `unroutableMessages`.
    public func send<Bytes: Collection<UInt8>>(to peer: PeerID, _ payload: Bytes, isolation: isolated (any Actor)? = #isolation) async throws {
        try await core.send([peer.bytes, Array(payload)])
    }

    public func send(to peer: PeerID, _ message: WireMessage, isolation: isolated (any Actor)? = #isolation) async throws {
        try await send(to: peer, WireCodec.encode(message))
    }

    /// A reply that never waits: if the peer's queue is full (a peer that sends but does not
    /// read), the reply is dropped and counted in `droppedSlowPeer`, and the server goes on
    /// serving the others. Returns whether libzmq took it.
    @discardableResult
    public func reply(to peer: PeerID, _ message: WireMessage) throws -> Bool {
        try reply(to: peer, encoded: WireCodec.encode(message))
    }

    /// `reply` with a message already encoded (one answer sent to many).
    @discardableResult
    public func reply(to peer: PeerID, encoded payload: [UInt8]) throws -> Bool {
        try core.sendWithoutWaiting([peer.bytes, payload])
    }
}

/// Logs the first rejection of each kind from each sender; the rest are only counted.
public final class RejectionLog: Sendable {
    private let logger: Logger
    private let socket: String
    private let seen = Mutex<Set<String>>([])
    private let maxRemembered = 1024

    public init(logger: Logger, socket: String) {
        self.logger = logger
        self.socket = socket
    }

    public func record(_ error: any Error, from sender: String) {
        let text = String(describing: error)
        let key = sender + "|" + (text.split(separator: ":").first.map(String.init) ?? text)
        let first = seen.withLock { seen in
            guard seen.count < maxRemembered else { return false }
            return seen.insert(key).inserted
        }
        if first {
            logger.warning("dropped a bad message", metadata: ["socket": "\(socket)", "from": "\(sender)", "error": "\(text)"])
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension NexusSocket {
    /// The socket's own thread as a task executor. A request/reply loop started with
    /// `Task(executorPreference: socket.taskExecutor)` runs between the socket's reads and
    /// writes, so a message and its reply cross no thread boundary. Keep such tasks' work
    /// short: the socket waits while they run.
    public var taskExecutor: any TaskExecutor { core }
}
