import Testing

@testable import NexusRuntime

@Suite("Role loops")
struct RoleLoopTests {
    @Test("a loop that ends by itself ends the role, with no stop requested", .timeLimit(.minutes(1)))
    func loopEndsFirst() async throws {
        let stop = StopSignal()
        try await runUntilStopped(stop, [
            RoleLoop { try await Task.sleep(for: .seconds(3600)) },
            RoleLoop {},
        ])
        #expect(!stop.isStopped)
    }

    @Test("a stop cancels every loop; a watcher cancelled before the stop gets nil", .timeLimit(.minutes(1)))
    func stopCancelsLoops() async throws {
        let stop = StopSignal()
        let watcher = Task { await stop.wait() }
        watcher.cancel()
        #expect(await watcher.value == nil)
        let role = Task { try await runUntilStopped(stop, [RoleLoop { try await Task.sleep(for: .seconds(3600)) }]) }
        stop.trigger("test")
        try await role.value
        #expect(await stop.wait() == "test")
    }
}
