import Logging
import NexusTransport
import NexusWire
import Synchronization

/// The newest weights the learner published. A SUB socket with ZMQ_CONFLATE keeps only the
/// last message; a background task decodes it and stores it here for the rollout loop.
public final class WeightsInbox: Sendable {
    private let socket: SubscriberSocket
    private let newest = Mutex<Weights?>(nil)

    public init(endpoint: Endpoint, logger: Logger) throws {
        var options = SocketOptions.default
        options.conflate = true
        socket = try SubscriberSocket(connect: [endpoint], options: options, logger: logger)
    }

    /// Receives until cancelled.
    public func run() async throws {
        while true {
            if case .weights(let weights) = try await socket.receiveMessage() {
                newest.withLock { current in
                    if current == nil || weights.version > current!.version || weights.runID != current!.runID { current = weights }
                }
            }
        }
    }

    /// Weights newer than `version` (any, for nil), if some arrived.
    public func take(newerThan version: UInt64?) -> Weights? {
        newest.withLock { weights in weights.flatMap { version == nil || $0.version > version! ? $0 : nil } }
    }

    public func offer(_ weights: Weights) {
        newest.withLock { current in if current == nil || weights.version > current!.version { current = weights } }
    }

    public var rejectedMessages: UInt64 { socket.statistics.rejectedMessages }

    public func close() async { await socket.close() }
}
