import CZeroMQ
import DequeModule
import Foundation
import Synchronization

/// One ZeroMQ socket and the thread that owns it.
///
/// libzmq sockets are not thread-safe and their calls block, so exactly one thread touches
/// the socket: it polls the socket, an `eventfd` (to be woken for outgoing messages) and the
/// socket's monitor, and moves messages between libzmq and two bounded queues. Swift tasks
/// only touch the queues, under a mutex, and suspend on continuations: nothing ever blocks
/// a thread of the cooperative pool.
final class SocketCore: @unchecked Sendable {
    typealias Frames = [[UInt8]]

    let kind: SocketKind
    let boundEndpoints: [Endpoint]
    let options: SocketOptions
    private let context: ZMQContext
    private let socket: ZMQSocketHandle
    private let monitor: ZMQSocketHandle
    private let wakeFD: Int32
    private let state: Mutex<State>
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var inbound = Deque<Frames>()
        var receivers = Deque<(id: UInt64, continuation: CheckedContinuation<Frames, any Error>)>()
        var outbound = Deque<Frames>()
        var senders = Deque<(id: UInt64, frames: Frames, continuation: CheckedContinuation<Void, any Error>)>()
        var nextWaiterID: UInt64 = 0
        /// Messages the owner thread has taken but libzmq has not yet accepted; they count
        /// against `outboundCapacity` together with `outbound`.
        var inFlight = 0
        var wakePending = false
        var readingPaused = false
        var closing = false
        var closed = false
        var statistics = SocketStatistics()
    }

    private static let monitorCounter = Atomic<UInt64>(0)

    init(kind: SocketKind, bind: [Endpoint], connect: [Endpoint], options: SocketOptions, context: ZMQContext) throws {
        self.kind = kind
        self.options = options
        self.context = context
        let socket = try ZMQSocketHandle(context: context, type: kind.zmqType)
        var monitor: ZMQSocketHandle?
        var wakeFD: Int32 = -1
        do {
            try Self.configure(socket, kind: kind, options: options)
            let monitorEndpoint = "inproc://nexus-monitor-\(Self.monitorCounter.add(1, ordering: .relaxed).newValue)"
            let events = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED
            try zmqCheck(zmq_socket_monitor(socket.raw, monitorEndpoint, events), "zmq_socket_monitor")
            let pair = try ZMQSocketHandle(context: context, type: ZMQ_PAIR)
            monitor = pair
            try pair.set(ZMQ_LINGER, Int32(0), "ZMQ_LINGER")
            try pair.connect(try Endpoint(parsing: monitorEndpoint))
            self.boundEndpoints = try bind.map { try socket.bind($0) }
            for endpoint in connect { try socket.connect(endpoint) }
            wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
            guard wakeFD >= 0 else {
                throw TransportError.zmq(call: "eventfd", errno: errno, message: String(cString: strerror(errno)))
            }
        } catch {
            zmq_socket_monitor(socket.raw, nil, 0)
            monitor?.close()
            socket.close()
            throw error
        }
        self.socket = socket
        self.monitor = monitor!
        self.wakeFD = wakeFD
        self.state = Mutex(State())
        let thread = Thread { [self] in self.run() }
        thread.name = "nexus-zmq-\(kind)"
        thread.start()
    }

    private static func configure(_ socket: ZMQSocketHandle, kind: SocketKind, options: SocketOptions) throws {
        try socket.set(ZMQ_LINGER, options.lingerMilliseconds, "ZMQ_LINGER")
        try socket.set(ZMQ_SNDHWM, options.sendHighWaterMark, "ZMQ_SNDHWM")
        try socket.set(ZMQ_RCVHWM, options.receiveHighWaterMark, "ZMQ_RCVHWM")
        try socket.set(ZMQ_MAXMSGSIZE, Int64(options.maxMessageBytes), "ZMQ_MAXMSGSIZE")
        try socket.set(ZMQ_RECONNECT_IVL, options.reconnectIntervalMilliseconds, "ZMQ_RECONNECT_IVL")
        try socket.set(ZMQ_RECONNECT_IVL_MAX, options.reconnectIntervalMaxMilliseconds, "ZMQ_RECONNECT_IVL_MAX")
        try socket.set(ZMQ_HEARTBEAT_IVL, options.heartbeatIntervalMilliseconds, "ZMQ_HEARTBEAT_IVL")
        try socket.set(ZMQ_HEARTBEAT_TIMEOUT, options.heartbeatTimeoutMilliseconds, "ZMQ_HEARTBEAT_TIMEOUT")
        if options.conflate { try socket.set(ZMQ_CONFLATE, Int32(1), "ZMQ_CONFLATE") }
        if let routingID = options.routingID { try socket.set(ZMQ_ROUTING_ID, bytes: routingID, "ZMQ_ROUTING_ID") }
        switch kind {
        case .subscriber: try socket.set(ZMQ_SUBSCRIBE, bytes: [], "ZMQ_SUBSCRIBE")
        case .router: try socket.set(ZMQ_ROUTER_MANDATORY, Int32(1), "ZMQ_ROUTER_MANDATORY")
        default: break
        }
    }

    var statistics: SocketStatistics { state.withLock { $0.statistics } }

    func noteRejected() { state.withLock { $0.statistics.rejectedMessages += 1 } }

    // MARK: - Called from Swift tasks

    /// Queues a message for the owner thread; suspends while the outbound queue is full.
    func send(_ frames: Frames) async throws {
        try await withWaiterCancellation { id, continuation in
            enum Step { case accepted(wake: Bool), parked, failed }
            let step = state.withLock { state -> Step in
                if state.closing { return .failed }
                if state.outbound.count + state.inFlight < self.options.outboundCapacity && state.senders.isEmpty {
                    state.outbound.append(frames)
                    return .accepted(wake: Self.claimWake(&state))
                }
                // Full: the owner thread moves the message in and resumes us when there is room.
                state.senders.append((id, frames, continuation))
                return .parked
            }
            switch step {
            case .accepted(let wake):
                if wake { signalWake() }
                continuation.resume()
            case .parked: break
            case .failed: continuation.resume(throwing: TransportError.closed)
            }
        } cancel: { id in
            self.state.withLock { state in
                state.senders.firstIndex { $0.id == id }.map { state.senders.remove(at: $0).continuation }
            }
        }
    }

    /// The next well-formed message; suspends until one arrives or the socket closes.
    func receive() async throws -> Frames {
        try await withWaiterCancellation { id, continuation in
            enum Step { case deliver(Frames, wake: Bool), wait, failed }
            let step = state.withLock { state -> Step in
                if let frames = state.inbound.popFirst() {
                    let wake = state.readingPaused && Self.claimWake(&state)
                    return .deliver(frames, wake: wake)
                }
                if state.closed { return .failed }
                state.receivers.append((id, continuation))
                return .wait
            }
            switch step {
            case .deliver(let frames, let wake):
                if wake { signalWake() }
                continuation.resume(returning: frames)
            case .wait: break
            case .failed: continuation.resume(throwing: TransportError.closed)
            }
        } cancel: { id in
            self.state.withLock { state in
                state.receivers.firstIndex { $0.id == id }.map { state.receivers.remove(at: $0).continuation }
            }
        }
    }

    /// Registers a waiter whose continuation can be taken back (and failed with
    /// `CancellationError`) if its task is cancelled while it waits.
    private func withWaiterCancellation<T: Sendable>(
        _ register: (UInt64, CheckedContinuation<T, any Error>) -> Void,
        cancel: @escaping @Sendable (UInt64) -> CheckedContinuation<T, any Error>?
    ) async throws -> T {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    register(id, continuation)
                }
            }
        } onCancel: {
            cancel(id)?.resume(throwing: CancellationError())
        }
    }

    /// Asks the owner thread to flush and close; returns at once.
    func requestClose() {
        let wake = state.withLock { state -> Bool in
            guard !state.closing else { return false }
            state.closing = true
            return Self.claimWake(&state)
        }
        if wake { signalWake() }
    }

    /// Closes and waits (off the cooperative pool) until the owner thread has let go.
    func close() async {
        requestClose()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.finished.wait()
                self.finished.signal()
                continuation.resume()
            }
        }
    }

    /// Only one wake-up is written until the owner thread has seen it.
    private static func claimWake(_ state: inout State) -> Bool {
        guard !state.wakePending else { return false }
        state.wakePending = true
        return true
    }

    private func signalWake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    // MARK: - The owner thread

    private func run() {
        var pending = Deque<Frames>()
        var received: [Frames] = []
        received.reserveCapacity(256)
        let batchLimit = 256
        while true {
            // Take outgoing messages and see how much room the consumer has left.
            let (closing, room) = state.withLock { state -> (Bool, Int) in
                state.wakePending = false
                pending.append(contentsOf: state.outbound)
                state.outbound.removeAll(keepingCapacity: true)
                let room = options.conflate ? batchLimit : min(batchLimit, options.inboundCapacity - state.inbound.count)
                state.readingPaused = kind.receives && room <= 0
                return (state.closing, room)
            }
            flush(&pending)
            // Let parked senders in for the room libzmq just made; if they brought messages,
            // poll without sleeping so that those go out on the next pass.
            let (resumed, moreToSend) = state.withLock { state in Self.admitParkedSenders(&state, inFlight: pending.count, capacity: options.outboundCapacity) }
            for sender in resumed { sender.resume() }
            if closing { break }

            var items = [
                zmq_pollitem_t(socket: socket.raw, fd: 0, events: Int16((room > 0 && kind.receives ? ZMQ_POLLIN : 0) | (pending.isEmpty ? 0 : ZMQ_POLLOUT)), revents: 0),
                zmq_pollitem_t(socket: nil, fd: wakeFD, events: Int16(ZMQ_POLLIN), revents: 0),
                zmq_pollitem_t(socket: monitor.raw, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0),
            ]
            let ready = zmq_poll(&items, 3, moreToSend ? 0 : -1)
            if ready == -1 { continue }  // EINTR
            if items[1].revents != 0 {
                var counter: UInt64 = 0
                _ = read(wakeFD, &counter, 8)
            }
            if items[2].revents != 0 { drainMonitor() }
            if items[0].revents & Int16(ZMQ_POLLIN) != 0 && room > 0 {
                received.removeAll(keepingCapacity: true)
                while received.count < room, let frames = try? socket.receive() {
                    received.append(frames)
                }
                deliver(received)
            }
        }
        shutDown(pending: &pending)
    }

    private static func admitParkedSenders(
        _ state: inout State, inFlight: Int, capacity: Int
    ) -> ([CheckedContinuation<Void, any Error>], Bool) {
        state.inFlight = inFlight
        var resumed: [CheckedContinuation<Void, any Error>] = []
        while state.outbound.count + state.inFlight < capacity, !state.senders.isEmpty {
            let sender = state.senders.removeFirst()
            state.outbound.append(sender.frames)
            resumed.append(sender.continuation)
        }
        return (resumed, !state.outbound.isEmpty)
    }

    /// Sends what libzmq will take now; the rest waits for POLLOUT.
    private func flush(_ pending: inout Deque<Frames>) {
        var sent = 0, bytes = 0, unroutable = 0
        while let frames = pending.first {
            let outcome = (try? socket.send(frames)) ?? .unroutable
            if outcome == .wouldBlock { break }
            pending.removeFirst()
            if outcome == .sent {
                sent += 1
                bytes += frames.last?.count ?? 0
            } else {
                unroutable += 1
            }
        }
        if sent + unroutable > 0 {
            state.withLock { state in
                state.statistics.messagesSent += UInt64(sent)
                state.statistics.bytesSent += UInt64(bytes)
                state.statistics.unroutableMessages += UInt64(unroutable)
            }
        }
    }

    private func deliver(_ batch: [Frames]) {
        guard !batch.isEmpty else { return }
        var handOff: [(CheckedContinuation<Frames, any Error>, Frames)] = []
        state.withLock { state in
            for frames in batch {
                guard frames.count == kind.expectedFrames else {
                    state.statistics.malformedMessages += 1
                    continue
                }
                state.statistics.messagesReceived += 1
                state.statistics.bytesReceived += UInt64(frames.last!.count)
                if let receiver = state.receivers.popFirst() {
                    handOff.append((receiver.continuation, frames))
                } else {
                    if options.conflate { state.inbound.removeAll() }
                    state.inbound.append(frames)
                }
            }
        }
        for (continuation, frames) in handOff { continuation.resume(returning: frames) }
    }

    private func drainMonitor() {
        while let frames = try? monitor.receive() {
            guard let header = frames.first, header.count >= 6 else { continue }
            let event = Int32(UInt16(header[0]) | UInt16(header[1]) << 8)
            state.withLock { state in
                switch event {
                case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: state.statistics.connectionsOpened += 1
                case ZMQ_EVENT_DISCONNECTED: state.statistics.disconnections += 1
                case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
                    state.statistics.handshakeFailures += 1
                default: break
                }
            }
        }
    }

    /// Gives queued messages up to the linger time to leave, then fails every waiter.
    private func shutDown(pending: inout Deque<Frames>) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(options.lingerMilliseconds, 0)) * 1_000_000
        while true {
            state.withLock { state in
                while let frames = state.outbound.popFirst() { pending.append(frames) }
            }
            flush(&pending)
            let now = DispatchTime.now().uptimeNanoseconds
            if pending.isEmpty || now >= deadline { break }
            var item = zmq_pollitem_t(socket: socket.raw, fd: 0, events: Int16(ZMQ_POLLOUT), revents: 0)
            _ = zmq_poll(&item, 1, Int((deadline - now) / 1_000_000) + 1)
        }
        let (receivers, senders) = state.withLock { state in
            state.closed = true
            defer {
                state.receivers.removeAll()
                state.senders.removeAll()
            }
            return (Array(state.receivers.map(\.continuation)), Array(state.senders.map(\.continuation)))
        }
        for receiver in receivers { receiver.resume(throwing: TransportError.closed) }
        for sender in senders { sender.resume(throwing: TransportError.closed) }
        zmq_socket_monitor(socket.raw, nil, 0)
        socket.close()
        monitor.close()
        Glibc.close(wakeFD)
        finished.signal()
    }
}
