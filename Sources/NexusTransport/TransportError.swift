import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A libzmq call failed: which call, errno and libzmq's text.
    case zmq(call: String, errno: Int32, message: String)
    case invalidEndpoint(String, reason: String)
    case closed
    case timedOut(seconds: Double)
    case peerUnreachable
    /// A CurveZMQ key or key file that cannot be used, or a missing ZAP handler.
    case invalidKey(String)

    public var description: String {
        switch self {
        case .zmq(let call, let errno, let message): return "\(call) failed: \(message) (errno \(errno))"
        case .invalidEndpoint(let text, let reason): return "invalid endpoint \"\(text)\": \(reason)"
        case .closed: return "the socket is closed"
        case .timedOut(let seconds): return "no answer within \(seconds) s"
        case .peerUnreachable: return "the peer is not connected"
        case .invalidKey(let reason): return reason
        }
    }
}

/// The one helper for libzmq return codes: -1 becomes a `TransportError` naming the call.
@discardableResult
func zmqCheck(_ result: Int32, _ call: @autoclosure () -> String) throws -> Int32 {
    guard result == -1 else { return result }
    let code = zmq_errno()
    throw TransportError.zmq(call: call(), errno: code, message: String(cString: zmq_strerror(code)))
}

func zmqCheck<T>(_ result: T?, _ call: @autoclosure () -> String) throws -> T {
    guard let result else {
        let code = zmq_errno()
        throw TransportError.zmq(call: call(), errno: code, message: String(cString: zmq_strerror(code)))
    }
    return result
}
