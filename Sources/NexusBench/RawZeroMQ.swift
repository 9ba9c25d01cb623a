import Synchronization
import CZeroMQ
import Foundation

/// Baselines for the transport benchmark: plain libzmq with blocking calls on plain
/// threads, the simplest fast way to move the same bytes. Deliberately bypasses
/// NexusTransport (that is what it is measured against).
enum RawZeroMQ {
    /// Seconds to move `count` messages of `size` bytes through PUSH → PULL over tcp loopback.
    static func pushPullSeconds(size: Int, count: Int) async -> Double {
        await onThread {
            let context = zmq_ctx_new()!
            defer { zmq_ctx_term(context) }
            let pull = zmq_socket(context, ZMQ_PULL)!
            let push = HandedOver(zmq_socket(context, ZMQ_PUSH)!)
            let endpoint = bindLoopback(pull)
            zmq_connect(push.raw, endpoint)
            let payload = [UInt8](repeating: 0x5A, count: size)
            var buffer = [UInt8](repeating: 0, count: size)
            // One message first, so the connection exists before the clock starts.
            _ = payload.withUnsafeBytes { zmq_send(push.raw, $0.baseAddress, size, 0) }
            _ = buffer.withUnsafeMutableBytes { zmq_recv(pull, $0.baseAddress, size, 0) }
            let start = Measure.now()
            let sender = Thread {
                payload.withUnsafeBytes { bytes in
                    for _ in 0..<count { zmq_send(push.raw, bytes.baseAddress, size, 0) }
                }
            }
            sender.start()
            // zmq_msg_recv reads in place, as Nexus's Payload does: the fastest raw path.
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            var received = 0
            for _ in 0..<count {
                zmq_msg_recv(&message, pull, 0)
                received &+= zmq_msg_size(&message)
            }
            zmq_msg_close(&message)
            precondition(received == size * count, "raw transport baseline lost bytes")
            let seconds = Double(Measure.now() - start) / 1e9
            closeLingerZero(push.raw)
            closeLingerZero(pull)
            return seconds
        }
    }

    /// Round-trip times in microseconds of `count` REQ → REP → REQ exchanges of `size` bytes.
    static func requestReplyMicroseconds(size: Int, count: Int, warmup: Int) async -> [Double] {
        await onThread {
            let context = zmq_ctx_new()!
            defer { zmq_ctx_term(context) }
            let rep = HandedOver(zmq_socket(context, ZMQ_REP)!)
            let req = zmq_socket(context, ZMQ_REQ)!
            let endpoint = bindLoopback(rep.raw)
            zmq_connect(req, endpoint)
            let total = count + warmup
            let server = Thread {
                var buffer = [UInt8](repeating: 0, count: size)
                buffer.withUnsafeMutableBytes { bytes in
                    for _ in 0..<total {
                        let received = zmq_recv(rep.raw, bytes.baseAddress, size, 0)
                        zmq_send(rep.raw, bytes.baseAddress, Int(max(received, 0)), 0)
                    }
                }
            }
            server.start()
            var samples: [Double] = []
            var payload = [UInt8](repeating: 0x33, count: size)
            payload.withUnsafeMutableBytes { bytes in
                for index in 0..<total {
                    let start = Measure.now()
                    zmq_send(req, bytes.baseAddress, size, 0)
                    zmq_recv(req, bytes.baseAddress, size, 0)
                    if index >= warmup { samples.append(Double(Measure.now() - start) / 1e3) }
                }
            }
            closeLingerZero(req)
            // The server thread has answered every request before the last reply arrived.
            Thread.sleep(forTimeInterval: 0.01)
            closeLingerZero(rep.raw)
            return samples
        }
    }

    /// Requests per second of `clients` REQ threads each echoing `size`-byte messages through
    /// one ROUTER thread, for `seconds`: raw libzmq with nothing else in the way.
    static func concurrentRequestReplyRate(clients: Int, size: Int, seconds: Double) async -> Double {
        await onThread {
            let context = HandedOver(zmq_ctx_new()!)
            defer { zmq_ctx_term(context.raw) }
            let router = HandedOver(zmq_socket(context.raw, ZMQ_ROUTER)!)
            let endpoint = bindLoopback(router.raw)
            let flags = RawRunFlags()
            let server = Thread {
                var timeout: Int32 = 50
                zmq_setsockopt(router.raw, ZMQ_RCVTIMEO, &timeout, 4)
                var identity = [UInt8](repeating: 0, count: 256)
                var empty = [UInt8](repeating: 0, count: 16)
                var body = [UInt8](repeating: 0, count: size)
                while !flags.stop.load(ordering: .relaxed) {
                    let idLength = zmq_recv(router.raw, &identity, identity.count, 0)
                    if idLength < 0 { continue }
                    _ = zmq_recv(router.raw, &empty, empty.count, 0)
                    let bodyLength = zmq_recv(router.raw, &body, size, 0)
                    zmq_send(router.raw, identity, Int(idLength), ZMQ_SNDMORE)
                    zmq_send(router.raw, empty, 0, ZMQ_SNDMORE)
                    zmq_send(router.raw, body, Int(max(bodyLength, 0)), 0)
                }
            }
            server.start()
            let deadline = Measure.now() + UInt64(seconds * 1e9)
            let done = DispatchGroup()
            for _ in 0..<clients {
                done.enter()
                let client = Thread {
                    let req = zmq_socket(context.raw, ZMQ_REQ)!
                    zmq_connect(req, endpoint)
                    var payload = [UInt8](repeating: 0x33, count: size)
                    while Measure.now() < deadline {
                        zmq_send(req, payload, size, 0)
                        zmq_recv(req, &payload, size, 0)
                        flags.served.add(1, ordering: .relaxed)
                    }
                    closeLingerZero(req)
                    done.leave()
                }
                client.start()
            }
            let start = Measure.now()
            done.wait()
            let elapsed = Double(Measure.now() - start) / 1e9
            flags.stop.store(true, ordering: .relaxed)
            Thread.sleep(forTimeInterval: 0.1)
            closeLingerZero(router.raw)
            return Double(flags.served.load(ordering: .relaxed)) / elapsed
        }
    }

    private static func bindLoopback(_ socket: UnsafeMutableRawPointer) -> String {
        zmq_bind(socket, "tcp://127.0.0.1:*")
        var buffer = [CChar](repeating: 0, count: 256)
        var length = buffer.count
        zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &length)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func closeLingerZero(_ socket: UnsafeMutableRawPointer) {
        var zero: Int32 = 0
        zmq_setsockopt(socket, ZMQ_LINGER, &zero, 4)
        zmq_close(socket)
    }
}

/// Runs blocking work on a thread of its own, never on the cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// A raw socket passed to exactly one other thread, which is its only user from then on
/// (libzmq allows moving a socket between threads with a full fence; starting a thread is one).
struct HandedOver: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
    init(_ raw: UnsafeMutableRawPointer) { self.raw = raw }
}

/// Shared by the raw benchmark's threads.
final class RawRunFlags: Sendable {
    let stop = Atomic<Bool>(false)
    let served = Atomic<Int>(0)
}
