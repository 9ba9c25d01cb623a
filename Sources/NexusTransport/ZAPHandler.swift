import CZeroMQ
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process's ZeroMQ authentication handler (ZAP, ZeroMQ RFC 27). For every CURVE
/// handshake on a server socket of the shared context, libzmq asks it over
/// `inproc://zeromq.zap.01` whether the client's public key may connect; it answers from an
/// allowlist (each socket's monitor counts the refusals: `authenticationFailures`). Without a
/// handler libzmq would admit any key pair, so a CURVE
/// server refuses to bind until `start()` has run (`SocketCore`). One per process, started
/// once; keys are added as roles load their allowlists.
public enum ZAPHandler {
    public static let domain = "nexus"
    static let endpoint = "inproc://zeromq.zap.01"

    private struct State {
        var thread: Thread?
        var allowed: Set<CurveKey> = []
    }

    private static let state = Mutex(State())

    public static var isRunning: Bool { state.withLock { $0.thread != nil } }

    /// Adds client public keys to the allowlist.
    public static func allow(_ keys: some Sequence<CurveKey>) {
        state.withLock { $0.allowed.formUnion(keys) }
    }

    /// Starts the handler (once; later calls do nothing). Throws if the endpoint cannot be
    /// bound (another handler in this context).
    public static func start() throws {
        let socket: UnsafeMutableRawPointer? = try state.withLock { state -> UnsafeMutableRawPointer? in
            guard state.thread == nil else { return nil }
            let socket = try zmqCheck(zmq_socket(ZMQContext.shared.handle, ZMQ_REP), "zmq_socket(ZAP)")
            var timeout: Int32 = 200
            zmq_setsockopt(socket, ZMQ_RCVTIMEO, &timeout, MemoryLayout<Int32>.size)
            var linger: Int32 = 0
            zmq_setsockopt(socket, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
            do {
                try zmqCheck(zmq_bind(socket, endpoint), "zmq_bind(\(endpoint))")
            } catch {
                zmq_close(socket)
                throw error
            }
            let handle = SocketBox(socket)
            let thread = Thread { serve(handle) }
            thread.name = "nexus-zap"
            state.thread = thread
            return socket
        }
        if socket != nil { state.withLock { $0.thread?.start() } }
    }

    /// The raw socket, handed to the handler's thread (which alone uses it from then on).
    private final class SocketBox: @unchecked Sendable {
        let raw: UnsafeMutableRawPointer
        init(_ raw: UnsafeMutableRawPointer) { self.raw = raw }
    }

    private static func serve(_ socket: SocketBox) {
        while true {
            guard let request = receive(socket.raw) else { continue }
            let reply = answer(request)
            for (index, frame) in reply.enumerated() {
                _ = frame.withUnsafeBytes { zmq_send(socket.raw, $0.baseAddress, $0.count, index + 1 < reply.count ? ZMQ_SNDMORE : 0) }
            }
        }
    }

    /// One multipart request, or nil on the receive timeout.
    private static func receive(_ socket: UnsafeMutableRawPointer) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            guard zmq_msg_recv(&message, socket, 0) != -1 else { return frames.isEmpty ? nil : frames }
            let size = zmq_msg_size(&message)
            let data = zmq_msg_data(&message)!
            frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// RFC 27: request [version, request id, domain, address, identity, mechanism,
    /// credentials…]; reply [version, request id, status code, status text, user id, metadata].
    static func answer(_ request: [[UInt8]]) -> [[UInt8]] {
        let requestID = request.count > 1 ? request[1] : []
        func reply(_ code: String, _ text: String) -> [[UInt8]] { [Array("1.0".utf8), requestID, Array(code.utf8), Array(text.utf8), [], []] }
        guard request.count >= 7, request[0] == Array("1.0".utf8) else {
            return reply("500", "malformed ZAP request")
        }
        guard request[2] == Array(domain.utf8), request[5] == Array("CURVE".utf8), let key = try? CurveKey(bytes: request[6]) else {
            return reply("400", "only CURVE clients in domain \(domain)")
        }
        guard state.withLock({ $0.allowed.contains(key) }) else {
            return reply("400", "key not allowed")
        }
        return reply("200", "OK")
    }
}
