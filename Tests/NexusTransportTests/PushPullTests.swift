import NexusTestKit
import NexusWire
import Testing

@testable import NexusTransport

@Suite("PUSH/PULL")
struct PushPullTests {
    static func endpoints() throws -> [Endpoint] { [Endpoint.loopbackAnyPort, try temporaryIPCEndpoint("pushpull")] }

    @Test("10,000 messages arrive complete and in order", arguments: ["tcp", "ipc"])
    func tenThousandInOrder(transport: String) async throws {
        let bindTo = transport == "tcp" ? Endpoint.loopbackAnyPort : try temporaryIPCEndpoint("order")
        let pull = try PullSocket(bind: [bindTo])
        let push = try PushSocket(connect: pull.endpoints)
        let count = 10_000
        let sender = Task {
            for index in 0..<count {
                // Varying sizes so that a lost, split or merged message cannot go unnoticed.
                var payload = withUnsafeBytes(of: UInt32(index).littleEndian, Array.init)
                payload += [UInt8](repeating: UInt8(index % 251), count: index % 97)
                try await push.send(payload)
            }
        }
        for index in 0..<count {
            let payload = try await pull.receive()
            #expect(payload.count == 4 + index % 97)
            let received = payload.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            #expect(received == UInt32(index), "message \(index) arrived out of order")
            #expect(payload.dropFirst(4).allSatisfy { $0 == UInt8(index % 251) })
        }
        try await sender.value
        #expect(pull.statistics.messagesReceived == UInt64(count))
        #expect(push.statistics.messagesSent == UInt64(count))
        await push.close()
        await pull.close()
    }

    @Test("typed messages decode; a payload that is not an envelope is counted and dropped while the stream goes on")
    func garbagePayloadsAreCountedAndDropped() async throws {
        let pull = try PullSocket(bind: [.loopbackAnyPort])
        // One connection, so the order is kept: the two bad payloads come before the good ones.
        let push = try PushSocket(connect: pull.endpoints)
        let segment = SampleMessages.trajectory(steps: 16)
        try await push.send([0xFF, 0x00, 0x13, 0x37])
        try await push.send(WireCodec.encode(.trajectory(SampleMessages.trajectory(steps: 16, observationDim: 9))))
        for _ in 0..<5 { try await push.send(.trajectory(segment)) }
        let expecting = WireExpectations(envID: "CartPole-v1", observationDim: 4)
        for _ in 0..<5 {
            let message = try await withTimeout(seconds: 30) { try await pull.receiveMessage(expecting: expecting) }
            #expect(message == .trajectory(segment))
        }
        #expect(pull.statistics.rejectedMessages == 2)
    }

    @Test("4 tasks sending at once through a high-water mark of 4: every message arrives, each task's in order")
    func concurrentSendersThroughATinyHighWaterMark() async throws {
        var options = SocketOptions()
        options.sendHighWaterMark = 4
        options.receiveHighWaterMark = 4
        let pull = try PullSocket(bind: [.loopbackAnyPort], options: options)
        let push = try PushSocket(connect: pull.endpoints, options: options)
        let perSender = 2500
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<4 {
                group.addTask {
                    for sequence in 0..<perSender { try await push.send([UInt8(sender)] + withUnsafeBytes(of: UInt32(sequence), Array.init)) }
                }
            }
            var next = [Int](repeating: 0, count: 4)
            for _ in 0..<(4 * perSender) {
                let payload = Array(try await withTimeout(seconds: 30) { try await pull.receive() })
                let sender = Int(payload[0])
                let sequence = payload[1...].withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self)) }
                #expect(sequence == next[sender], "sender \(sender): got \(sequence), expected \(next[sender])")
                next[sender] = sequence + 1
            }
            try await group.waitForAll()
            #expect(next == [perSender, perSender, perSender, perSender])
        }
    }

    @Test("a consumer that does not read leaves at most the inbound capacity queued in Nexus")
    func inboundQueueIsBounded() async throws {
        var options = SocketOptions()
        options.inboundCapacity = 8
        options.receiveHighWaterMark = 16
        let pull = try PullSocket(bind: [.loopbackAnyPort], options: options)
        var pushOptions = SocketOptions()
        pushOptions.sendHighWaterMark = 16
        let push = try PushSocket(connect: pull.endpoints, options: pushOptions)
        let producer = Task {
            for index in 0..<1000 { try await push.send([UInt8(truncatingIfNeeded: index)]) }
        }
        // The producer stalls once every queue on the way is full.
        #expect(await eventually { pull.core.queuedInbound == 8 })
        try await Task.sleep(for: .milliseconds(100))
        #expect(pull.core.queuedInbound == 8)
        #expect(pull.statistics.messagesReceived < 1000)
        // Reading drains everything, in order.
        for index in 0..<1000 {
            let payload = try await withTimeout(seconds: 30) { try await pull.receive() }
            #expect(Array(payload) == [UInt8(truncatingIfNeeded: index)])
        }
        try await producer.value
    }

    @Test("a full outbound queue suspends the sender instead of growing without bound")
    func outboundQueueIsBounded() async throws {
        var options = SocketOptions()
        options.sendHighWaterMark = 1
        options.lingerMilliseconds = 0
        let nowhere = try Endpoint(parsing: "tcp://127.0.0.1:9")  // nothing listens: libzmq keeps no pipe
        let push = try PushSocket(connect: [nowhere], options: options)
        let accepted = Atomic(0)
        let sender = Task {
            while true {
                try await push.send([1])
                accepted.set(accepted.get() + 1)
            }
        }
        // The sender ends up parked, waiting for room, instead of queueing without bound…
        #expect(await eventually { push.core.parkedSenderCount == 1 })
        // …after what libzmq holds under a high-water mark of 1 (its pipe keeps a message or
        // two beyond the mark), and not one message more.
        #expect(accepted.get() >= 1 && accepted.get() <= 3, "accepted \(accepted.get()) messages")
        // Closing fails the parked send: nothing hangs.
        await push.close()
        await #expect(throws: TransportError.closed) { try await sender.value }
        await push.close()
        await #expect(throws: TransportError.closed) { try await push.send([1]) }
    }

    @Test("receive on a closed socket ends with .closed, and a cancelled receive returns at once")
    func closeAndCancel() async throws {
        let pull = try PullSocket(bind: [.loopbackAnyPort])
        let waiting = Task { try await pull.receive() }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        let blocked = Task { try await pull.receive() }
        try await Task.sleep(for: .milliseconds(50))
        await pull.close()
        await #expect(throws: TransportError.closed) { try await blocked.value }
    }
}

@Suite("Endpoints")
struct EndpointTests {
    @Test(arguments: ["tcp://127.0.0.1:5555", "tcp://*:5555", "tcp://127.0.0.1:*", "tcp://[::1]:80", "ipc:///tmp/x.sock", "inproc://weights"])
    func validEndpointsRoundTrip(text: String) throws {
        #expect(try Endpoint(parsing: text).description == text)
    }

    @Test(arguments: [
        ("127.0.0.1:5555", "expected tcp://host:port, ipc://path or inproc://name"),
        ("tcp://127.0.0.1", "missing :port"),
        ("tcp://:5555", "missing host (use * or 0.0.0.0 to bind on every interface)"),
        ("tcp://host:70000", "port \"70000\" is not a number from 1 to 65535 or *"),
        ("udp://host:1", "unknown transport \"udp\" (tcp, ipc or inproc)"),
        ("ipc://", "missing path"),
        ("inproc://", "missing name"),
    ])
    func invalidEndpointsAreNamed(text: String, reason: String) {
        #expect(throws: TransportError.invalidEndpoint(text, reason: reason)) { try Endpoint(parsing: text) }
    }

    @Test("binding a port that is taken fails with libzmq's reason")
    func portInUse() throws {
        let first = try PullSocket(bind: [.loopbackAnyPort])
        #expect {
            try PullSocket(bind: first.endpoints)
        } throws: { error in
            guard case TransportError.zmq(let call, _, let message) = error else { return false }
            return call.hasPrefix("zmq_bind") && message.contains("in use")
        }
    }
}
