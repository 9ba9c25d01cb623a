import CZeroMQ

/// Bytes of one received frame, read in place: the payload keeps libzmq's message alive
/// instead of copying it (a 1 MiB copy per message cost a fifth of PUSH/PULL throughput).
/// A collection of bytes; `Array(payload)` copies when an array is wanted.
public final class Payload: RandomAccessCollection, @unchecked Sendable {
    // Immutable after init; libzmq's message is only closed in deinit.
    private var message = zmq_msg_t()
    private let base: UnsafePointer<UInt8>?
    public let count: Int

    /// Takes over an initialised message (the caller must not close it).
    init(taking source: inout zmq_msg_t) {
        zmq_msg_init(&message)
        zmq_msg_move(&message, &source)
        count = zmq_msg_size(&message)
        base = UnsafePointer(zmq_msg_data(&message)?.assumingMemoryBound(to: UInt8.self))
    }

    deinit { zmq_msg_close(&message) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "Payload index \(position) out of range 0..<\(count)")
        return base![position]
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}
