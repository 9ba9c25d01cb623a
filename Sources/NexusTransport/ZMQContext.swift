import CZeroMQ

/// A libzmq context. Contexts are thread-safe; sockets keep theirs alive, so it is
/// terminated only after the last socket using it has closed.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// The process-wide context; `inproc://` endpoints only meet inside one context.
    public static let shared = ZMQContext(ioThreads: 1)

    public init(ioThreads: Int32 = 1) {
        guard let handle = zmq_ctx_new() else { fatalError("zmq_ctx_new failed: out of memory") }
        zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
        self.handle = handle
    }

    deinit {
        zmq_ctx_term(handle)
    }

    /// Whether libzmq was built with a capability such as "curve" or "ipc".
    public static func has(_ capability: String) -> Bool { zmq_has(capability) == 1 }
}
