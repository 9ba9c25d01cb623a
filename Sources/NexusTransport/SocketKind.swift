import CZeroMQ

/// The ZeroMQ patterns Nexus uses, and how many frames a well-formed message has on each.
public enum SocketKind: Sendable, CustomStringConvertible {
    case push, pull, publisher, subscriber, router, dealer

    var zmqType: Int32 {
        switch self {
        case .push: return ZMQ_PUSH
        case .pull: return ZMQ_PULL
        case .publisher: return ZMQ_PUB
        case .subscriber: return ZMQ_SUB
        case .router: return ZMQ_ROUTER
        case .dealer: return ZMQ_DEALER
        }
    }

    /// Frames per incoming message: ROUTER prepends the peer's routing id.
    var expectedFrames: Int { self == .router ? 2 : 1 }

    var receives: Bool { self != .push && self != .publisher }

    public var description: String {
        switch self {
        case .push: return "PUSH"
        case .pull: return "PULL"
        case .publisher: return "PUB"
        case .subscriber: return "SUB"
        case .router: return "ROUTER"
        case .dealer: return "DEALER"
        }
    }
}
