import Logging
import NexusTransport
import NexusWire

/// Asks the learner's control socket for its status (the launcher's progress line, tests).
public final class LearnerStatusClient: Sendable {
    private let socket: DealerSocket

    public init(control: Endpoint, security: RoleSecurity = RoleSecurity(RunConfig.SecuritySettings()), logger: Logger) throws {
        socket = try DealerSocket(connect: [control], options: try security.client(control), logger: logger)
    }

    /// The learner's status, or nil if it did not answer within `timeout`.
    public func status(timeout: Double) async -> ControlMessage.Status? {
        try? await withTimeout(seconds: timeout) { [socket] in
            try await socket.send(.control(.statusRequest))
            while true {
                if case .control(.status(let status)) = try await socket.receiveMessage() { return status }
            }
        }
    }

    public func close() async { await socket.close() }
}
