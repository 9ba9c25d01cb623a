/// Runs `body` until it returns or `stop` fires, whichever is first; on a stop the body's task
/// is cancelled (socket waits honour cancellation) and awaited.
public func runUntilStopped(_ stop: StopSignal, executor: (any TaskExecutor)? = nil, _ body: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask(executorPreference: executor) { try await body() }
        group.addTask { _ = await stop.wait() }
        defer { group.cancelAll() }
        do {
            _ = try await group.next()
        } catch is CancellationError {
        }
    }
}
