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
            if case .weights(let weights) = try await socket.receiveMessage() { offer(weights) }
        }
    }

    /// Weights to install over `installed` (run id and version; nil: nothing yet): a newer
    /// version of the same run, or any version of another run (a learner restarted afresh
    /// counts versions from 1 again).
    public func take(over installed: (runID: String, version: UInt64)?) -> Weights? {
        newest.withLock { weights in
            guard let weights else { return nil }
            guard let installed else { return weights }
            return weights.runID != installed.runID || weights.version > installed.version ? weights : nil
        }
    }

    /// Keeps `weights` if they are newer than what is held (or of another run).
    public func offer(_ weights: Weights) {
        newest.withLock { current in
            if current == nil || weights.version > current!.version || weights.runID != current!.runID { current = weights }
        }
    }

    public var rejectedMessages: UInt64 { socket.statistics.rejectedMessages }

    public func close() async { await socket.close() }
}
