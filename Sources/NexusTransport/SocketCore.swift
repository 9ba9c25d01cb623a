import CZeroMQ
import DequeModule
import Foundation
import Synchronization

/// One ZeroMQ socket, its bounded queues, and the thread that waits for it.
///
/// libzmq sockets are not thread-safe, so the socket lives inside `state` and is only ever
/// touched under that mutex (libzmq allows a socket to move between threads across a full
/// memory barrier, which the mutex provides). Sending tasks call `zmq_send` with
/// `ZMQ_DONTWAIT` themselves: it never blocks, and it saves a thread wake-up per message.
/// A dedicated poller thread sleeps in `poll(2)` on the socket's signalling fd, an eventfd
/// (to be woken by tasks) and the monitor; when woken it reads messages into the bounded
/// inbound queue and retries sends that were parked because a high-water mark was reached.
/// Swift tasks suspend on continuations; no thread of the cooperative pool ever blocks.
final class SocketCore: TaskExecutor, @unchecked Sendable {
    /// Outgoing frames are Swift arrays (libzmq copies them); incoming ones are read in place.
    typealias Frames = [[UInt8]]
    typealias Received = [Payload]

    let kind: SocketKind
    let boundEndpoints: [Endpoint]
    let options: SocketOptions
    private let context: ZMQContext
    private let socketFD: Int32
    private let monitor: ZMQSocketHandle
    private let monitorFD: Int32
    private let wakeFD: Int32
    private let state: Mutex<State>
    private let finished = DispatchSemaphore(value: 0)
    private static let monitorCounter = Atomic<UInt64>(0)
    private static let batchLimit = 256
    private let pollerThread = Atomic<UInt>(0)

    private struct State {
        let socket: ZMQSocketHandle
        var inbound = Deque<Received>()
        var inboundBytes = 0
        /// Waiting receivers, FIFO; `deadline` (uptime ns, 0: none) is enforced by the poller.
        var receivers = Deque<(id: UInt64, continuation: CheckedContinuation<Received, any Error>, deadline: UInt64, seconds: Double)>()
        /// Senders whose message libzmq would not take yet (high-water mark); FIFO.
        var parkedSenders = Deque<(id: UInt64, frames: Frames, continuation: CheckedContinuation<Void, any Error>)>()
        /// Jobs of tasks that prefer this socket's thread (see `enqueue`).
        var jobs: [UnownedJob] = []
        var nextWaiterID: UInt64 = 0
        /// The poller thread is running its loop; it will look again before sleeping.
        var pollerAwake = true
        /// Something asked the poller to look at the socket, the queues or the jobs again.
        var serviceRequested = false
        /// The eventfd was written and the poller has not yet run since.
        var wakePending = false
        var readingPaused = false
        var closing = false
        var closed = false
        var statistics = SocketStatistics()
    }

    /// Continuations to resume once the lock is released.
    private struct Resumptions {
        var receivers: [(CheckedContinuation<Received, any Error>, Received)] = []
        var senders: [CheckedContinuation<Void, any Error>] = []
        var expired: [(CheckedContinuation<Received, any Error>, Double)] = []

        func run() {
            for (continuation, frames) in receivers { continuation.resume(returning: frames) }
            for (continuation, seconds) in expired { continuation.resume(throwing: TransportError.timedOut(seconds: seconds)) }
            for sender in senders { sender.resume() }
        }
    }

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
            self.socketFD = try socket.signalingFD()
            self.monitorFD = try pair.signalingFD()
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
        self.monitor = monitor!
        self.wakeFD = wakeFD
        self.state = Mutex(State(socket: socket))
        let thread = Thread { [self] in self.pollLoop() }
        thread.name = "nexus-zmq-\(kind)"
        thread.start()
    }

    /// Without a ZAP handler libzmq lets any key pair through a CURVE server: such a server
    /// refuses to exist rather than serve unauthenticated peers.
    static func requireAuthentication(handlerRunning: Bool) throws {
        guard handlerRunning else { throw TransportError.invalidKey("a CURVE server needs the ZAP handler (ZAPHandler.start) before it binds") }
    }

    private static func configure(_ socket: ZMQSocketHandle, kind: SocketKind, options: SocketOptions) throws {
        try socket.set(ZMQ_LINGER, options.lingerMilliseconds, "ZMQ_LINGER")
        try socket.set(ZMQ_SNDHWM, options.sendHighWaterMark, "ZMQ_SNDHWM")
        try socket.set(ZMQ_RCVHWM, options.receiveHighWaterMark, "ZMQ_RCVHWM")
        try socket.set(ZMQ_MAXMSGSIZE, Int64(options.maxMessageBytes), "ZMQ_MAXMSGSIZE")
        try socket.set(ZMQ_RECONNECT_IVL, options.reconnectIntervalMilliseconds, "ZMQ_RECONNECT_IVL")
        try socket.set(ZMQ_RECONNECT_IVL_MAX, options.reconnectIntervalMaxMilliseconds, "ZMQ_RECONNECT_IVL_MAX")
        if options.heartbeatIntervalMilliseconds > 0 {
            try socket.set(ZMQ_HEARTBEAT_IVL, options.heartbeatIntervalMilliseconds, "ZMQ_HEARTBEAT_IVL")
            try socket.set(ZMQ_HEARTBEAT_TIMEOUT, options.heartbeatTimeoutMilliseconds, "ZMQ_HEARTBEAT_TIMEOUT")
        }
        try socket.set(ZMQ_TCP_KEEPALIVE, Int32(options.tcpKeepalive ? 1 : 0), "ZMQ_TCP_KEEPALIVE")
        if options.conflate { try socket.set(ZMQ_CONFLATE, Int32(1), "ZMQ_CONFLATE") }
        if let routingID = options.routingID { try socket.set(ZMQ_ROUTING_ID, bytes: routingID, "ZMQ_ROUTING_ID") }
        switch options.security {
        case .none: break
        case .curveServer(let keys):
            try requireAuthentication(handlerRunning: ZAPHandler.isRunning)
            try socket.set(ZMQ_ZAP_DOMAIN, bytes: Array(ZAPHandler.domain.utf8), "ZMQ_ZAP_DOMAIN")
            try socket.set(ZMQ_CURVE_SERVER, Int32(1), "ZMQ_CURVE_SERVER")
            try socket.set(ZMQ_CURVE_SECRETKEY, bytes: keys.secretKey.bytes, "ZMQ_CURVE_SECRETKEY")
        case .curveClient(let keys, let serverKey):
            try socket.set(ZMQ_CURVE_SERVERKEY, bytes: serverKey.bytes, "ZMQ_CURVE_SERVERKEY")
            try socket.set(ZMQ_CURVE_PUBLICKEY, bytes: keys.publicKey.bytes, "ZMQ_CURVE_PUBLICKEY")
            try socket.set(ZMQ_CURVE_SECRETKEY, bytes: keys.secretKey.bytes, "ZMQ_CURVE_SECRETKEY")
        }
        switch kind {
        case .subscriber: try socket.set(ZMQ_SUBSCRIBE, bytes: [], "ZMQ_SUBSCRIBE")
        case .router: try socket.set(ZMQ_ROUTER_MANDATORY, Int32(1), "ZMQ_ROUTER_MANDATORY")
        default: break
        }
    }

    var statistics: SocketStatistics { state.withLock { $0.statistics } }

    /// Messages waiting for a receiver (for tests and status).
    var queuedInbound: Int { state.withLock { $0.inbound.count } }

    /// Senders waiting for libzmq to take their message (for tests and status).
    var parkedSenderCount: Int { state.withLock { $0.parkedSenders.count } }

    func noteRejected() { state.withLock { $0.statistics.rejectedMessages += 1 } }

    // MARK: - Called from Swift tasks

    private enum SendAttempt { case sent(wake: Bool), mustWait, failed(any Error) }

    /// Under the lock: hands the frames to libzmq, unless senders are parked (order) or libzmq
    /// is at its high-water mark.
    private func attemptSend(_ frames: Frames, _ state: inout State) -> SendAttempt {
        if state.closing { return .failed(TransportError.closed) }
        if !state.parkedSenders.isEmpty { return .mustWait }
        do {
            switch try state.socket.send(frames) {
            case .sent: Self.countSent(frames, &state)
            case .unroutable: state.statistics.unroutableMessages += 1
            case .wouldBlock: return .mustWait
            }
        } catch {
            return .failed(error)
        }
        guard kind.receives, !state.readingPaused else { return .sent(wake: false) }
        // The send may have consumed the signal for an incoming message (the fd is
        // edge-triggered): make sure the poller looks. On the poller thread itself (a task
        // preferring this executor) it looks anyway before it sleeps.
        if UInt(pthread_self()) == pollerThread.load(ordering: .acquiring) {
            state.serviceRequested = true
            return .sent(wake: false)
        }
        let incoming = state.socket.events() & ZMQ_POLLIN != 0
        return .sent(wake: incoming && Self.claimWake(&state))
    }

    /// Hands the message to libzmq at once, without suspending; if a high-water mark is
    /// reached, suspends until the poller thread gets it in. One task's messages stay in order.
    func send(_ frames: Frames, isolation: isolated (any Actor)? = #isolation) async throws {
        switch state.withLock({ attemptSend(frames, &$0) }) {
        case .sent(let wake):
            if wake { signalWake() }
            return
        case .failed(let error):
            throw error
        case .mustWait:
            break
        }
        try await withWaiter(isolation: isolation) { id, continuation in
            let attempt = state.withLock { state -> SendAttempt? in
                let attempt = attemptSend(frames, &state)
                guard case .mustWait = attempt else { return attempt }
                state.parkedSenders.append((id, frames, continuation))
                return nil
            }
            switch attempt {
            case .sent(let wake)?:
                if wake { signalWake() }
                continuation.resume()
            case .failed(let error)?:
                continuation.resume(throwing: error)
            case .mustWait?, nil:
                // Parked: the poller retries when libzmq has room, and resumes us.
                if state.withLock({ Self.claimWake(&$0) }) { signalWake() }
            }
        } cancel: { id in
            self.state.withLock { state in
                state.parkedSenders.firstIndex { $0.id == id }.map { state.parkedSenders.remove(at: $0).continuation }
            }
        }
    }

    /// Hands the message to libzmq if it takes it now; never waits. A message libzmq will
    /// not take (the peer's queue is at its high-water mark: a peer that does not read) is
    /// dropped and counted in `droppedSlowPeer`. For replies, where one stalled peer must not
    /// hold up everyone else's.
    @discardableResult
    func sendWithoutWaiting(_ frames: Frames) throws -> Bool {
        let attempt = state.withLock { state -> SendAttempt in
            let attempt = attemptSend(frames, &state)
            if case .mustWait = attempt { state.statistics.droppedSlowPeer += 1 }
            return attempt
        }
        switch attempt {
        case .sent(let wake):
            if wake { signalWake() }
            return true
        case .failed(let error): throw error
        case .mustWait: return false
        }
    }

    private enum ReceiveAttempt { case received(Received, wake: Bool), empty, closed }

    /// Under the lock: the oldest queued message, if any.
    private func attemptReceive(_ state: inout State) -> ReceiveAttempt {
        if let frames = state.inbound.popFirst() {
            state.inboundBytes -= Self.size(of: frames)
            // The poller stopped reading when the queue was full: room again.
            return .received(frames, wake: state.readingPaused && Self.claimWake(&state))
        }
        return state.closed ? .closed : .empty
    }

    /// The oldest queued message, or nil when none is waiting (never suspends): lets a
    /// server gather what has already arrived into one batch.
    func tryReceive() -> Received? {
        switch state.withLock({ attemptReceive(&$0) }) {
        case .received(let frames, let wake):
            if wake { signalWake() }
            return frames
        case .empty, .closed:
            return nil
        }
    }

    /// The next well-formed message: at once if one is queued, else suspends until one
    /// arrives or the socket closes. With a `timeout` (seconds), throws
    /// `TransportError.timedOut` when none came in time: the poller enforces the deadline,
    /// which costs no timer task (a task group with a sleeping child cost ~50 µs per call).
    func receive(timeout: Double? = nil, isolation: isolated (any Actor)? = #isolation) async throws -> Received {
        let deadline = timeout.map { MonotonicClock.now() + UInt64(max(0, $0) * 1e9) } ?? 0
        switch state.withLock({ attemptReceive(&$0) }) {
        case .received(let frames, let wake):
            if wake { signalWake() }
            return frames
        case .closed:
            throw TransportError.closed
        case .empty:
            break
        }
        return try await withWaiter(isolation: isolation) { id, continuation in
            var wake = false
            let attempt = state.withLock { state -> ReceiveAttempt in
                let attempt = attemptReceive(&state)
                if case .empty = attempt {
                    state.receivers.append((id, continuation, deadline, timeout ?? 0))
                    // A sleeping poller looks at the socket once more for the new receiver,
                    // rather than trusting that the edge-triggered fd will fire again.
                    wake = Self.claimWake(&state)
                }
                return attempt
            }
            switch attempt {
            case .received(let frames, let wakeForRoom):
                if wakeForRoom { signalWake() }
                continuation.resume(returning: frames)
            case .closed:
                continuation.resume(throwing: TransportError.closed)
            case .empty:
                if wake { signalWake() }
            }
        } cancel: { id in
            self.state.withLock { state in
                state.receivers.firstIndex { $0.id == id }.map { state.receivers.remove(at: $0).continuation }
            }
        }
    }

    /// Registers a waiter whose continuation can be taken back (and failed with
    /// `CancellationError`) if its task is cancelled while it waits.
    /// Runs in the caller's isolation: an actor on this socket's executor never hops away.
    private func withWaiter<T: Sendable>(
        isolation: isolated (any Actor)?,
        _ register: (UInt64, CheckedContinuation<T, any Error>) -> Void,
        cancel: @escaping @Sendable (UInt64) -> CheckedContinuation<T, any Error>?
    ) async throws -> T {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler(
            operation: {
                try await withCheckedThrowingContinuation(isolation: isolation) { continuation in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        register(id, continuation)
                    }
                }
            },
            onCancel: { cancel(id)?.resume(throwing: CancellationError()) },
            isolation: isolation)
    }

    /// Asks the poller thread to flush and close; returns at once.
    func requestClose() {
        let wake = state.withLock { state -> Bool in
            guard !state.closing else { return false }
            state.closing = true
            return Self.claimWake(&state)
        }
        if wake { signalWake() }
    }

    /// Closes and waits (off the cooperative pool) until the poller thread has let go.
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

    /// Records that the poller must look again; true if the caller must write the eventfd
    /// (only when the poller sleeps, and only once until it has woken).
    private static func claimWake(_ state: inout State) -> Bool {
        state.serviceRequested = true
        guard !state.pollerAwake, !state.wakePending else { return false }
        state.wakePending = true
        return true
    }

    // MARK: - Task executor: request/reply loops can run on the socket's thread

    /// Tasks that prefer this executor (`Task(executorPreference:)`) run on the poller thread,
    /// between socket operations: a message handed to such a task, and its reply, cross no
    /// thread boundary (each wake-up of a sleeping thread costs tens of microseconds on a
    /// small VM, more than a whole request/reply turn).
    /// Once the poller has stopped, jobs go to the global executor instead: a task that
    /// closed its own socket still has to finish.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        enum Step { case queued(wake: Bool), pollerGone }
        let step = state.withLock { state -> Step in
            if state.closed { return .pollerGone }
            state.jobs.append(job)
            return .queued(wake: Self.claimWake(&state))
        }
        switch step {
        case .queued(let wake): if wake { signalWake() }
        case .pollerGone: globalConcurrentExecutor.enqueue(job)
        }
    }

    private func signalWake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    private static func size(of frames: Frames) -> Int { frames.reduce(0) { $0 + $1.count } }
    private static func size(of frames: Received) -> Int { frames.reduce(0) { $0 + $1.count } }

    private static func countSent(_ frames: Frames, _ state: inout State) {
        state.statistics.messagesSent += 1
        state.statistics.bytesSent += UInt64(frames.last?.count ?? 0)
    }

    // MARK: - The poller thread

    private func pollLoop() {
        var descriptors = [
            pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: monitorFD, events: Int16(POLLIN), revents: 0),
        ]
        pollerThread.store(UInt(pthread_self()), ordering: .releasing)
        // A pipe signals its reader only after a read found it empty: read once up front.
        drainMonitor()
        while true {
            if descriptors[1].revents != 0 {
                var counter: UInt64 = 0
                _ = read(wakeFD, &counter, 8)
            }
            var resumptions = Resumptions()
            let closing = state.withLock { state -> Bool in
                state.pollerAwake = true
                state.wakePending = false
                state.serviceRequested = false
                serviceSocket(&state, &resumptions)
                Self.expireReceivers(&state, &resumptions)
                return state.closing
            }
            // Resuming first lets tasks that prefer this executor enqueue here, so that they
            // run in this same pass.
            resumptions.run()
            let jobs = state.withLock { state in
                defer { state.jobs.removeAll(keepingCapacity: true) }
                return state.jobs
            }
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
            if descriptors[2].revents != 0 { drainMonitor() }
            if closing { break }
            // Sleep only if nothing asked for another look since the top of the loop.
            let sleep = state.withLock { state -> Int32? in
                guard !state.serviceRequested, state.jobs.isEmpty else { return nil }
                state.pollerAwake = false
                return Self.pollTimeout(state)
            }
            if let timeout = sleep {
                _ = poll(&descriptors, 3, timeout)
            } else {
                for index in descriptors.indices { descriptors[index].revents = 0 }
            }
        }
        shutDown()
    }

    /// Receivers whose deadline passed are failed with `timedOut`.
    private static func expireReceivers(_ state: inout State, _ resumptions: inout Resumptions) {
        guard state.receivers.contains(where: { $0.deadline != 0 }) else { return }
        let now = MonotonicClock.now()
        state.receivers.removeAll { receiver in
            guard receiver.deadline != 0, receiver.deadline <= now else { return false }
            resumptions.expired.append((receiver.continuation, receiver.seconds))
            return true
        }
    }

    /// poll()'s timeout: until the earliest receiver deadline (rounded up), or forever.
    private static func pollTimeout(_ state: State) -> Int32 {
        guard let earliest = state.receivers.lazy.filter({ $0.deadline != 0 }).map(\.deadline).min() else { return -1 }
        let now = MonotonicClock.now()
        guard earliest > now else { return 0 }
        return Int32(min(UInt64(Int32.max), (earliest - now + 999_999) / 1_000_000))
    }

    /// Does everything the socket allows now: parked sends, then reads while there is room.
    /// The signalling fd is edge-triggered; a libzmq call that returns EAGAIN has processed
    /// the pending commands, so the fd fires again for anything new. Loop until both sides
    /// ended that way (or reading paused on a full queue).
    private func serviceSocket(_ state: inout State, _ resumptions: inout Resumptions) {
        while true {
            let flushed = state.parkedSenders.isEmpty ? false : flushParkedSenders(&state, &resumptions)
            let reading = kind.receives ? readAvailable(&state, &resumptions) : .drained
            let readMore = reading == .batchFull
            let sendMore = flushed && !state.parkedSenders.isEmpty
            if !readMore && !sendMore && !(reading == .gotSome && !state.parkedSenders.isEmpty) {
                // When nothing was received to EAGAIN (a socket that only sends, or reading
                // paused on a full queue), libzmq's pending commands keep the fd readable and
                // poll() would return at once, forever: reading ZMQ_EVENTS processes them.
                // (This spin cost a receiver under back-pressure most of a core.)
                if !kind.receives || reading == .paused {
                    let events = state.socket.events()
                    // Processing them may have made room for a parked sender: go round again.
                    if events & ZMQ_POLLOUT != 0 && !state.parkedSenders.isEmpty { continue }
                }
                return
            }
        }
    }

    private func flushParkedSenders(_ state: inout State, _ resumptions: inout Resumptions) -> Bool {
        var progressed = false
        while let sender = state.parkedSenders.first {
            let outcome = (try? state.socket.send(sender.frames)) ?? .unroutable
            if outcome == .wouldBlock { break }
            state.parkedSenders.removeFirst()
            if outcome == .sent { Self.countSent(sender.frames, &state) } else { state.statistics.unroutableMessages += 1 }
            resumptions.senders.append(sender.continuation)
            progressed = true
        }
        return progressed
    }

    enum ReadOutcome { case drained, gotSome, batchFull, paused }

    /// Reads up to a batch into waiting receivers or the inbound queue, within its bounds.
    private func readAvailable(_ state: inout State, _ resumptions: inout Resumptions) -> ReadOutcome {
        var count = 0
        while count < Self.batchLimit {
            let full = !options.conflate
                && (state.inbound.count >= options.inboundCapacity || state.inboundBytes >= options.inboundCapacityBytes)
            if full && state.receivers.isEmpty {
                state.readingPaused = true
                return .paused
            }
            guard let frames = try? state.socket.receive() else {
                state.readingPaused = false
                return count > 0 ? .gotSome : .drained
            }
            count += 1
            guard frames.count == kind.expectedFrames else {
                state.statistics.malformedMessages += 1
                continue
            }
            state.statistics.messagesReceived += 1
            state.statistics.bytesReceived += UInt64(frames.last!.count)
            if let receiver = state.receivers.popFirst() {
                resumptions.receivers.append((receiver.continuation, frames))
                // Let the receiver run (and perhaps answer) before reading on: the poller
                // comes back here before it sleeps.
                if state.receivers.isEmpty {
                    state.serviceRequested = true
                    state.readingPaused = false
                    return .gotSome
                }
            } else {
                if options.conflate {
                    state.inbound.removeAll()
                    state.inboundBytes = 0
                }
                state.inbound.append(frames)
                state.inboundBytes += Self.size(of: frames)
            }
        }
        state.readingPaused = false
        return .batchFull
    }

    private func drainMonitor() {
        while let frames = try? monitor.receive() {
            guard let header = frames.first, header.count >= 6 else { continue }
            let event = Int32(UInt16(header[0]) | UInt16(header[1]) << 8)
            state.withLock { state in
                switch event {
                case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: state.statistics.connectionsOpened += 1
                case ZMQ_EVENT_DISCONNECTED: state.statistics.disconnections += 1
                case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
                    state.statistics.handshakeFailures += 1
                case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
                    state.statistics.authenticationFailures += 1
                default: break
                }
            }
        }
    }

    /// Gives parked sends up to the linger time, then fails every waiter and closes. libzmq
    /// itself keeps delivering what it already accepted for the linger time after zmq_close.
    private func shutDown() {
        let deadline = MonotonicClock.now() + UInt64(max(options.lingerMilliseconds, 0)) * 1_000_000
        var descriptor = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
        while true {
            var resumptions = Resumptions()
            let done = state.withLock { state -> Bool in
                if state.socket.events() & ZMQ_POLLOUT != 0 { _ = flushParkedSenders(&state, &resumptions) }
                return state.parkedSenders.isEmpty
            }
            resumptions.run()
            let now = MonotonicClock.now()
            if done || now >= deadline { break }
            _ = poll(&descriptor, 1, Int32((deadline - now) / 1_000_000) + 1)
        }
        let (receivers, senders, jobs) = state.withLock { state in
            state.closed = true
            defer {
                state.receivers.removeAll()
                state.parkedSenders.removeAll()
                state.jobs.removeAll()
                zmq_socket_monitor(state.socket.raw, nil, 0)
                state.socket.close()
            }
            return (Array(state.receivers.map(\.continuation)), Array(state.parkedSenders.map(\.continuation)), state.jobs)
        }
        for receiver in receivers { receiver.resume(throwing: TransportError.closed) }
        for sender in senders { sender.resume(throwing: TransportError.closed) }
        for job in jobs { globalConcurrentExecutor.enqueue(job) }
        monitor.close()
        Glibc.close(wakeFD)
        finished.signal()
    }
}

enum MonotonicClock {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
