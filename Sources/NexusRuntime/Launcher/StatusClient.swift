import Logging
import NexusTransport
import NexusWire

/// Asks a role's ROUTER (the learner's control socket, an expert's socket) for its status:
/// the launcher's progress line and liveness probe, tests.
public final class StatusClient: Sendable {
    private let socket: DealerSocket

    public init(endpoint: Endpoint, security: RoleSecurity = RoleSecurity(RunConfig.SecuritySettings()), logger: Logger) throws {
        socket = try DealerSocket(connect: [endpoint], options: try security.client(endpoint), logger: logger)
    }

    /// The status, or nil if none came within `timeout` or `gone` (polled every 20 ms) said
    /// the process will not answer: the launcher must not wait out a timeout on a role that
    /// has exited.
    public func status(timeout: Double, unless gone: @escaping @Sendable () -> Bool = { false }) async -> ControlMessage.Status? {
        await withTaskGroup(of: ControlMessage.Status?.self) { [socket] group in
            group.addTask {
                try? await withTimeout(seconds: timeout) {
                    try await socket.send(.control(.statusRequest))
                    while true {
                        if case .control(.status(let status)) = try await socket.receiveMessage() { return status }
                    }
                }
            }
            group.addTask {
                while !gone(), !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Asks the learner to stop, saying why (it ends the run as it would at its target: a
    /// final checkpoint, its summary, a stop to every worker); false if it could not be sent.
    public func requestStop(reason: String, timeout: Double = 1) async -> Bool {
        (try? await withTimeout(seconds: timeout) { [socket] in try await socket.send(.control(.stop(reason: reason))) }) != nil
    }

    public func close() async { await socket.close() }
}
