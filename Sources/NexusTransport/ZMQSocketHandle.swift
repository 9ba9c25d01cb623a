import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// Thin typed calls on a raw libzmq socket. Not thread-safe: only the socket's owner
/// (its `SocketCore` thread, or the creating thread before that thread starts) uses it.
struct ZMQSocketHandle {
    let raw: UnsafeMutableRawPointer

    init(context: ZMQContext, type: Int32) throws {
        raw = try zmqCheck(zmq_socket(context.handle, type), "zmq_socket")
    }

    func set(_ option: Int32, _ value: Int32, _ name: String) throws {
        var value = value
        try zmqCheck(zmq_setsockopt(raw, option, &value, MemoryLayout<Int32>.size), "zmq_setsockopt(\(name))")
    }

    func set(_ option: Int32, _ value: Int64, _ name: String) throws {
        var value = value
        try zmqCheck(zmq_setsockopt(raw, option, &value, MemoryLayout<Int64>.size), "zmq_setsockopt(\(name))")
    }

    func set(_ option: Int32, bytes: [UInt8], _ name: String) throws {
        _ = try bytes.withUnsafeBytes { try zmqCheck(zmq_setsockopt(raw, option, $0.baseAddress, $0.count), "zmq_setsockopt(\(name))") }
    }

    func bind(_ endpoint: Endpoint) throws -> Endpoint {
        try zmqCheck(zmq_bind(raw, endpoint.description), "zmq_bind(\(endpoint))")
        return try lastEndpoint() ?? endpoint
    }

    func connect(_ endpoint: Endpoint) throws {
        try zmqCheck(zmq_connect(raw, endpoint.description), "zmq_connect(\(endpoint))")
    }

    /// The endpoint libzmq really bound (with the port it chose for `*`).
    func lastEndpoint() throws -> Endpoint? {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        try zmqCheck(zmq_getsockopt(raw, ZMQ_LAST_ENDPOINT, &buffer, &size), "zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? nil : try Endpoint(parsing: text)
    }

    enum SendOutcome { case sent, wouldBlock, unroutable }

    /// Sends all frames without blocking. libzmq accepts a multipart message whole once its
    /// first frame is accepted, so `wouldBlock` can only happen on the first frame.
    func send(_ frames: [[UInt8]]) throws -> SendOutcome {
        for (index, frame) in frames.enumerated() {
            let flags = ZMQ_DONTWAIT | (index + 1 < frames.count ? ZMQ_SNDMORE : 0)
            let rc = frame.withUnsafeBytes { zmq_send(raw, $0.baseAddress, $0.count, flags) }
            if rc == -1 {
                let code = zmq_errno()
                if code == EAGAIN && index == 0 { return .wouldBlock }
                if code == EHOSTUNREACH { return .unroutable }
                try zmqCheck(rc, "zmq_send")
            }
        }
        return .sent
    }

    /// Receives one whole multipart message without blocking, or nil if none is waiting.
    func receive() throws -> [Payload]? {
        var frames: [Payload] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            let rc = zmq_msg_recv(&message, raw, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if rc == -1 {
                let code = zmq_errno()
                if code == EAGAIN && frames.isEmpty { return nil }
                try zmqCheck(rc, "zmq_msg_recv")
            }
            let more = zmq_msg_more(&message) != 0
            frames.append(Payload(taking: &message))
            if !more { return frames }
        }
    }

    func close() { zmq_close(raw) }
}

extension ZMQSocketHandle {
    /// The file descriptor libzmq signals when the socket's state may have changed. It is
    /// edge-triggered: after it fires, `events()` must be read until nothing more can be done.
    func signalingFD() throws -> Int32 {
        var fd: Int32 = -1
        var size = MemoryLayout<Int32>.size
        try zmqCheck(zmq_getsockopt(raw, ZMQ_FD, &fd, &size), "zmq_getsockopt(ZMQ_FD)")
        return fd
    }

    /// ZMQ_POLLIN / ZMQ_POLLOUT as of now (this also processes libzmq's pending commands).
    func events() -> Int32 {
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        return zmq_getsockopt(raw, ZMQ_EVENTS, &events, &size) == 0 ? events : 0
    }
}
