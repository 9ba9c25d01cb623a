import NexusTestKit
import NexusWire
import Testing

@testable import NexusTransport

@Suite("Receive deadlines")
struct ReceiveTimeoutTests {
    @Test("a receive with a timeout fails with timedOut when nothing comes, and loses nothing that comes later")
    func timeoutThenDelivery() async throws {
        let pull = try PullSocket(bind: [.loopbackAnyPort])
        let push = try PushSocket(connect: pull.endpoints)
        await #expect(throws: TransportError.timedOut(seconds: 0.05)) { _ = try await pull.receive(timeout: 0.05) }
        // Several waiters with deadlines at once: each expires on its own.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { await #expect(throws: TransportError.self) { _ = try await pull.receive(timeout: 0.02) } }
            }
            try await group.waitForAll()
        }
        try await push.send([1, 2, 3])
        let payload = try await pull.receive(timeout: 30)
        #expect(Array(payload) == [1, 2, 3])
        #expect(pull.statistics.messagesReceived == 1)
        await push.close()
        await pull.close()
    }

    @Test("a message that arrives before the deadline is returned; the deadline then no longer applies")
    func arrivesInTime() async throws {
        let pull = try PullSocket(bind: [.loopbackAnyPort])
        let push = try PushSocket(connect: pull.endpoints)
        async let received = pull.receiveMessage(timeout: 30)
        try await push.send(.tensor(Tensor(shape: [2], data: [1, 2])))
        #expect(try await received == .tensor(Tensor(shape: [2], data: [1, 2])))
        // A bad message does not extend the wait beyond the deadline.
        try await push.send([0xff, 0xff])
        await #expect(throws: TransportError.self) { _ = try await pull.receiveMessage(timeout: 0.1) }
        // One connection keeps order: once the next message is in, the bad one was taken.
        try await push.send(.tensor(Tensor(shape: [1], data: [3])))
        #expect(try await pull.receiveMessage(timeout: 30) == .tensor(Tensor(shape: [1], data: [3])))
        #expect(pull.statistics.rejectedMessages == 1)
        await push.close()
        await pull.close()
    }
}
