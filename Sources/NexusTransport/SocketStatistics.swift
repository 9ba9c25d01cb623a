/// Counters for one socket, safe to read from any task.
public struct SocketStatistics: Sendable, Equatable {
    public var messagesSent: UInt64 = 0
    public var bytesSent: UInt64 = 0
    public var messagesReceived: UInt64 = 0
    public var bytesReceived: UInt64 = 0
    /// Messages with the wrong number of frames for this socket kind, dropped.
    public var malformedMessages: UInt64 = 0
    /// Messages whose payload failed to decode or validate, dropped (see `MessageChannel`).
    public var rejectedMessages: UInt64 = 0
    /// ROUTER replies to a peer that is no longer connected, dropped.
    public var unroutableMessages: UInt64 = 0
    /// Replies dropped because the peer's queue was full: a peer that does not read its
    /// answers (`RouterSocket.reply`).
    public var droppedSlowPeer: UInt64 = 0
    /// Connections whose ZMTP handshake failed (garbage or a foreign protocol on the port).
    /// On a CURVE server this includes clients without CURVE (NULL or PLAIN: a mechanism
    /// mismatch).
    public var handshakeFailures: UInt64 = 0
    /// CURVE handshakes the ZAP handler refused (keys not allowed).
    public var authenticationFailures: UInt64 = 0
    public var connectionsOpened: UInt64 = 0
    public var disconnections: UInt64 = 0

    public init() {}

    /// Peers refused for who they are on a socket with `security`: keys the ZAP handler
    /// refused, and on a CURVE socket every failed handshake (a client without CURVE fails on
    /// the mechanism, before any key is seen).
    public func authFailures(under security: SocketSecurity) -> UInt64 {
        authenticationFailures + (security.isCurve ? handshakeFailures : 0)
    }

    /// Everything that arrived and was dropped as bad input.
    public var droppedInput: UInt64 { malformedMessages + rejectedMessages + handshakeFailures + authenticationFailures }
}
