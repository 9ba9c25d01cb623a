import NexusWire

/// Per-socket settings. Every queue is bounded. Incoming: up to `inboundCapacity` messages and
/// `inboundCapacityBytes` wait for the consumer; when full, the socket stops reading and
/// ZeroMQ's receive high-water mark pushes back on the sender. Outgoing: libzmq queues up to
/// `sendHighWaterMark` messages per peer; past that, `send` suspends until there is room.
public struct SocketOptions: Sendable {
    public var sendHighWaterMark: Int32 = 1000
    public var receiveHighWaterMark: Int32 = 1000
    /// How long close() keeps trying to deliver queued messages.
    public var lingerMilliseconds: Int32 = 200
    /// Larger messages make libzmq drop the connection (ZMQ_MAXMSGSIZE).
    public var maxMessageBytes: Int = WireLimits.default.maxMessageBytes + 4096
    public var inboundCapacity: Int = 1024
    public var inboundCapacityBytes: Int = 16 << 20
    /// Keep only the newest message (ZMQ_CONFLATE on the socket and a one-slot inbound queue).
    public var conflate = false
    /// Routing identity of a DEALER, as ROUTER peers see it.
    public var routingID: [UInt8]? = nil
    public var reconnectIntervalMilliseconds: Int32 = 100
    public var reconnectIntervalMaxMilliseconds: Int32 = 2000
    /// ZMTP heartbeats, off by default (0): a PING waits behind the data when the receiver
    /// applies back-pressure, so a consumer that stalls longer than the timeout gets its
    /// connection dropped, and the messages queued on it lost (seen in the test suite under
    /// load). Liveness is the control channel's job; TCP keepalive finds dead hosts.
    public var heartbeatIntervalMilliseconds: Int32 = 0
    public var heartbeatTimeoutMilliseconds: Int32 = 0
    /// Kernel TCP keepalive (ZMQ_TCP_KEEPALIVE): finds a peer host that vanished, without
    /// touching the message stream.
    public var tcpKeepalive = true
    /// CurveZMQ: encryption and, for servers, client authentication through the process's
    /// `ZAPHandler` (which must be running before a CURVE server binds).
    public var security: SocketSecurity = .none

    public init() {}

    public static let `default` = SocketOptions()
}
