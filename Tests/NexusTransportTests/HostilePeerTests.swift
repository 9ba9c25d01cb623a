import NexusTestKit
import NexusWire
import Testing

@testable import NexusTransport

@Suite("Garbage on bound sockets")
struct HostilePeerTests {
    static let garbage: [[UInt8]] = [
        Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
        [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 1] + [UInt8](repeating: 0xAB, count: 64),
        (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37) },
    ]

    @Test("PULL: raw TCP garbage and undecodable payloads are counted and dropped; the honest pusher is still served")
    func pull() async throws {
        let pull = try PullSocket(bind: [.loopbackAnyPort])
        let honest = try PushSocket(connect: pull.endpoints)
        for bytes in Self.garbage { try sendRawTCP(port: pull.endpoints[0].port!, bytes: bytes) }
        let hostile = try PushSocket(connect: pull.endpoints)
        try await hostile.send(Array("not protobuf".utf8))
        // Connections are served fairly, not in order: keep draining until the junk was seen.
        let feeder = Task {
            while !Task.isCancelled {
                try? await honest.send(.control(.stop(reason: "still served")))
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        let drained = Task {
            var served = 0
            while let message = try? await pull.receiveMessage() {
                if message == .control(.stop(reason: "still served")) { served += 1 }
                if served >= 5 && pull.statistics.rejectedMessages >= 1 { return served }
            }
            return served
        }
        // Bounds for a loaded machine (30 s was exceeded once beside a busy build).
        let served = try await withTimeout(seconds: 120) { await drained.value }
        feeder.cancel()
        #expect(served >= 5)
        #expect(pull.statistics.rejectedMessages == 1)
        #expect(await eventually(seconds: 120) { pull.statistics.droppedInput >= 2 })
    }

    @Test("ROUTER: garbage connections and malformed frames are counted and dropped; the honest dealer gets its answer")
    func router() async throws {
        let router = try RouterSocket(bind: [.loopbackAnyPort])
        let server = RouterDealerTests.serve(router)
        for bytes in Self.garbage { try sendRawTCP(port: router.endpoints[0].port!, bytes: bytes) }
        // A dealer that sends two frames where one is expected, and one that sends junk.
        let hostile = try DealerSocket(connect: router.endpoints)
        try await hostile.core.send([[1], [2]])
        try await hostile.send([0x0A, 0xFF, 0xFF])
        let honest = try DealerSocket(connect: router.endpoints)
        let query = ExpertQuery(requestID: 5, workerID: 1, envID: "CartPole-v1", observations: Tensor(rows: 1, columns: 4, data: [0, 0, 0, 0]))
        try await honest.send(.expertQuery(query))
        let reply = try await withTimeout(seconds: 120) { try await honest.receiveMessage() }
        guard case .expertAnswer(let answer) = reply else {
            Issue.record("expected an answer, got \(reply.kindName)")
            return
        }
        #expect(answer.requestID == 5)
        #expect(await eventually(seconds: 120) { router.statistics.malformedMessages == 1 && router.statistics.rejectedMessages == 1 })
        #expect(await eventually(seconds: 120) { router.statistics.handshakeFailures + router.statistics.malformedMessages + router.statistics.rejectedMessages >= 3 })
        server.cancel()
    }

    @Test("PUB: garbage connections are counted and dropped; subscribers keep receiving")
    func publisher() async throws {
        let publisher = try PublisherSocket(bind: [.loopbackAnyPort])
        var options = SocketOptions()
        options.conflate = true
        let subscriber = try SubscriberSocket(connect: publisher.endpoints, options: options)
        for bytes in Self.garbage { try sendRawTCP(port: publisher.endpoints[0].port!, bytes: bytes) }
        let feeder = Task {
            while !Task.isCancelled {
                try? await publisher.send(.control(.stop(reason: "tick")))
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        let message = try await withTimeout(seconds: 120) { try await subscriber.receiveMessage() }
        #expect(message == .control(.stop(reason: "tick")))
        #expect(await eventually(seconds: 120) { publisher.statistics.handshakeFailures >= 1 })
        feeder.cancel()
    }
}
