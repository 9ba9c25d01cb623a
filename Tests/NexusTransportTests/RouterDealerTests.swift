import NexusTestKit
import NexusWire
import Testing

@testable import NexusTransport

@Suite("ROUTER/DEALER")
struct RouterDealerTests {
    /// Answers each expert query with its own request id and the row count as the action.
    /// `onSocketThread`: the loop prefers the socket's own thread (the fast path).
    static func serve(_ router: RouterSocket, onSocketThread: Bool = false) -> Task<Void, Never> {
        Task(executorPreference: onSocketThread ? router.taskExecutor : nil) {
            while let (peer, message) = try? await router.receiveMessage() {
                guard case .expertQuery(let query) = message else { continue }
                let rows = query.observations.rows
                let answer = ExpertAnswer(
                    requestID: query.requestID,
                    result: .actions(Tensor(rows: rows, columns: 1, data: (0..<rows).map { Float(query.workerID) * 1000 + Float($0) })))
                try? await router.send(to: peer, .expertAnswer(answer))
            }
        }
    }

    @Test("8 concurrent clients each get their own answers", arguments: ["tcp", "ipc"], [false, true])
    func eightClients(transport: String, onSocketThread: Bool) async throws {
        let bindTo = transport == "tcp" ? Endpoint.loopbackAnyPort : try temporaryIPCEndpoint("router")
        let router = try RouterSocket(bind: [bindTo])
        let server = Self.serve(router, onSocketThread: onSocketThread)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                let dealer = try DealerSocket(connect: router.endpoints)
                group.addTask(executorPreference: onSocketThread ? dealer.taskExecutor : nil) {
                    var answered = 0
                    for request in 0..<200 {
                        let rows = 1 + (request + worker) % 7
                        let requestID = UInt64(worker * 10_000 + request)
                        let query = ExpertQuery(requestID: requestID, workerID: UInt32(worker), envID: "CartPole-v1", observations: Tensor(rows: rows, columns: 4, data: [Float](repeating: 0.5, count: rows * 4)))
                        try await dealer.send(.expertQuery(query))
                        let reply = try await withTimeout(seconds: 30) { try await dealer.receiveMessage() }
                        guard case .expertAnswer(let answer) = reply, case .actions(let actions) = answer.result else {
                            Issue.record("worker \(worker) got \(reply.kindName)")
                            continue
                        }
                        #expect(answer.requestID == requestID)
                        #expect(actions.data == (0..<rows).map { Float(worker) * 1000 + Float($0) })
                        answered += 1
                    }
                    await dealer.close()
                    return answered
                }
            }
            var total = 0
            for try await answered in group { total += answered }
            #expect(total == 8 * 200)
        }
        #expect(router.statistics.messagesReceived == 1600)
        server.cancel()
        await router.close()
    }

    @Test("a reply to a peer that has gone is counted as unroutable, not an error")
    func unroutableReply() async throws {
        let router = try RouterSocket(bind: [.loopbackAnyPort])
        try await router.send(to: PeerID(Array("nobody".utf8)), [1, 2, 3])
        #expect(await eventually { router.statistics.unroutableMessages == 1 })
        await router.close()
    }

    @Test("a DEALER with a routing id is seen by that name")
    func routingIdentity() async throws {
        let router = try RouterSocket(bind: [.loopbackAnyPort])
        var options = SocketOptions()
        options.routingID = Array("worker-7".utf8)
        let dealer = try DealerSocket(connect: router.endpoints, options: options)
        try await dealer.send([42])
        let (peer, payload) = try await withTimeout(seconds: 30) { try await router.receive() }
        #expect(peer.description == "worker-7")
        #expect(Array(payload) == [42])
        try await router.send(to: peer, [43])
        #expect(Array(try await withTimeout(seconds: 30) { try await dealer.receive() }) == [43])
    }
}
