import Logging
import NexusEnvironments
import NexusTransport
import NexusTestKit
import NexusWire
import Testing

@testable import NexusRuntime

@Suite("Expert server")
struct ExpertServerTests {
    @Test("labels batches with the environment's expert, refuses other environments and kinds, counts both")
    func labelsAndRefuses() async throws {
        let logger = Logger(label: "test")
        let server = try ExpertServer(spec: try EnvironmentRegistry.type(for: "CartPole-v1").spec, bind: .loopbackAnyPort, settings: RunConfig.ExpertSettings(), logger: logger)
        let stop = StopSignal()
        let serving = Task { try await server.run(until: stop) }
        var settings = RunConfig.WorkerSettings()
        // A bound, not a branch: a query that timed out would be asked twice and counted twice
        // (states 9, not 6, on a machine loaded past 30 s per answer).
        settings.expertTimeoutSeconds = 600
        let client = try ExpertClient(endpoint: server.endpoint, workerID: 1, envID: "CartPole-v1", actionDim: 1, settings: settings, logger: logger)

        let observations: [Float] = [0, 0, 0.1, 0.2, 0, 0, -0.1, -0.2, 0.5, -1, 0.02, 0.3]
        let labels = try await client.label(observations, rows: 3, observationDim: 4)
        var expected: [Float] = []
        for row in 0..<3 {
            var action: [Float] = [0]
            observations[(row * 4)..<((row + 1) * 4)].withContiguousStorageIfAvailable { o in
                action.withUnsafeMutableBufferPointer { CartPoleExpert().act(o, into: $0) }
            }
            expected += action
        }
        #expect(labels == expected)

        // A refused query is counted and asked again (with backoff): the worker lives on.
        var retrying = settings
        (retrying.retryInitialSeconds, retrying.retryMaxSeconds) = (0.01, 0.05)
        let wrongEnv = try ExpertClient(endpoint: server.endpoint, workerID: 2, envID: "Pendulum-v1", actionDim: 1, settings: retrying, logger: logger)
        let asking = Task { try await wrongEnv.label([0, 0, 0], rows: 1, observationDim: 3) }
        #expect(await eventually(seconds: 30) { wrongEnv.refusedAnswers >= 2 })
        asking.cancel()
        _ = try? await asking.value

        let dealer = try DealerSocket(connect: [server.endpoint])
        try await dealer.send(.tensor(Tensor(shape: [1], data: [1])))
        try await dealer.send([0xde, 0xad])
        // The server keeps serving after bad input.
        #expect(try await client.label(observations, rows: 3, observationDim: 4) == expected)
        #expect(server.statistics.states == 6)
        // Wrong env (asked at least twice), wrong kind, undecodable: the dealer's two may
        // arrive after the client's answer.
        #expect(await eventually(seconds: 120) { server.rejectedMessages >= 4 })
        stop.trigger("test")
        try await serving.value
        for socket in [client, wrongEnv] { await socket.close() }
        await dealer.close()
    }

    @Test("a batch waits up to max_wait for more queries, and closes as soon as it holds max_batch states")
    func batchesWaitForMore() async throws {
        let logger = Logger(label: "test")
        var expertSettings = RunConfig.ExpertSettings()
        expertSettings.maxBatch = 2
        expertSettings.maxWaitMilliseconds = 30_000  // never reached: the second query fills the batch
        let server = try ExpertServer(spec: try EnvironmentRegistry.type(for: "CartPole-v1").spec, bind: .loopbackAnyPort, settings: expertSettings, logger: logger)
        let stop = StopSignal()
        let serving = Task { try await server.run(until: stop) }
        var settings = RunConfig.WorkerSettings()
        settings.expertTimeoutSeconds = 60
        let first = try ExpertClient(endpoint: server.endpoint, workerID: 1, envID: "CartPole-v1", actionDim: 1, settings: settings, logger: logger)
        let second = try ExpertClient(endpoint: server.endpoint, workerID: 2, envID: "CartPole-v1", actionDim: 1, settings: settings, logger: logger)
        async let a = first.label([0, 0, 0.1, 0], rows: 1, observationDim: 4)
        async let b = second.label([0, 0, -0.1, 0], rows: 1, observationDim: 4)
        #expect(try await [a, b] == [[1], [0]])
        #expect(server.statistics.batches == 1 && server.statistics.queries == 2)
        #expect(try await first.label([], rows: 0, observationDim: 4).isEmpty)  // an empty query is answered, not fatal
        stop.trigger("test")
        try await serving.value
        await first.close()
        await second.close()
    }
}
