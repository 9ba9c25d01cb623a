/// One of the concurrent loops of a role process, optionally on a given executor (a socket's
/// thread).
public struct RoleLoop: Sendable {
    let executor: (any TaskExecutor)?
    let body: @Sendable () async throws -> Void

    public init(on executor: (any TaskExecutor)? = nil, _ body: @escaping @Sendable () async throws -> Void) {
        self.executor = executor
        self.body = body
    }
}

/// Runs a role's loops side by side until one of them ends (returns or throws) or `stop`
/// fires; then the others are cancelled (socket waits honour cancellation) and awaited. An
/// error other than cancellation is rethrown.
public func runUntilStopped(_ stop: StopSignal, _ loops: [RoleLoop]) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for loop in loops { group.addTask(executorPreference: loop.executor) { try await loop.body() } }
        group.addTask { _ = await stop.wait() }
        defer { group.cancelAll() }
        do {
            _ = try await group.next()
        } catch is CancellationError {
        }
    }
}
