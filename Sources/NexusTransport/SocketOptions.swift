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
    /// ZMTP heartbeats detect a peer that vanished without closing its connection.
    public var heartbeatIntervalMilliseconds: Int32 = 1000
    public var heartbeatTimeoutMilliseconds: Int32 = 5000

    public init() {}

    public static let `default` = SocketOptions()
}
