import Foundation
import NexusTestKit
import Testing

@testable import NexusTransport

/// CurveZMQ with the process's ZAP handler: allowlisted clients are served, every other client
/// gets nothing through and is counted.
@Suite("CurveZMQ and ZAP")
struct CurveTests {
    @Test("keys round trip through Z85 and key files; bad ones are refused")
    func keys() throws {
        let pair = try CurveKeyPair.generate()
        #expect(try CurveKey(z85: pair.publicKey.description) == pair.publicKey)
        #expect(try CurveKeyPair(fileText: pair.fileText, path: "k") == pair)
        #expect(throws: TransportError.self) { try CurveKey(z85: "short") }
        #expect(throws: TransportError.self) { try CurveKeyPair(fileText: "public \(pair.publicKey)\n", path: "k") }
        #expect(throws: TransportError.self) { try CurveKeyPair(fileText: "private \(pair.secretKey)\n", path: "k") }
    }

    @Test("an allowlisted client's messages arrive; an unknown key and a plain client get nothing through, and are counted")
    func allowlist() async throws {
        try ZAPHandler.start()
        let server = try CurveKeyPair.generate(), friend = try CurveKeyPair.generate(), stranger = try CurveKeyPair.generate()
        ZAPHandler.allow([friend.publicKey])
        var serverOptions = SocketOptions.default
        serverOptions.security = .curveServer(server)
        let pull = try PullSocket(bind: [.loopbackAnyPort], options: serverOptions)

        var strangerOptions = SocketOptions.default
        strangerOptions.security = .curveClient(stranger, serverKey: server.publicKey)
        let intruder = try PushSocket(connect: pull.endpoints, options: strangerOptions)
        let plain = try PushSocket(connect: pull.endpoints)
        // Sends that cannot leave (no handshake completes) stay queued; try a few each.
        for _ in 0..<3 {
            _ = try? await withTimeout(seconds: 0.5) { try await intruder.send(Array("from a stranger".utf8)) }
            _ = try? await withTimeout(seconds: 0.5) { try await plain.send(Array("in plain text".utf8)) }
        }
        var friendOptions = SocketOptions.default
        friendOptions.security = .curveClient(friend, serverKey: server.publicKey)
        let push = try PushSocket(connect: pull.endpoints, options: friendOptions)
        try await push.send(Array("hello".utf8))
        let received = try await withTimeout(seconds: 30) { try await pull.receive() }
        #expect(Array(received) == Array("hello".utf8))
        // Nothing but the friend's message ever arrives.
        let more = try? await pull.receive(timeout: 1)
        #expect(more == nil)
        #expect(await eventually { pull.statistics.authenticationFailures >= 1 }, "the stranger's handshake was refused and counted")
        #expect(await eventually { pull.statistics.handshakeFailures >= 1 }, "the plain client's handshake failed (mechanism mismatch) and was counted")
        await intruder.close()
        await plain.close()
        await push.close()
        await pull.close()
    }

    @Test("a CURVE server does not bind without the ZAP handler's protection")
    func serverNeedsHandler() throws {
        // The decision a CURVE socket takes before binding (the handler itself is per process
        // and other tests start it, so it is judged apart from it).
        #expect(throws: TransportError.self) { try SocketCore.requireAuthentication(handlerRunning: false) }
        #expect(throws: Never.self) { try SocketCore.requireAuthentication(handlerRunning: true) }
    }
}
