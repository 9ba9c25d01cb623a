/// Runs `operation`, cancelling it and throwing `TransportError.timedOut` after `seconds`.
/// Socket receives honour cancellation, so this bounds any wait on a peer.
/// With `executor` (a socket's `taskExecutor`), the operation runs on that thread.
public func withTimeout<T: Sendable>(
    seconds: Double, executor: (any TaskExecutor)? = nil, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask(executorPreference: executor) { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TransportError.timedOut(seconds: seconds)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
