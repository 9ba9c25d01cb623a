import NexusTestKit
import NexusWire
import Testing

@testable import NexusTransport

@Suite("PUB/SUB with conflation")
struct PubSubTests {
    func conflatedSubscriber(_ publisher: PublisherSocket) throws -> SubscriberSocket {
        var options = SocketOptions()
        options.conflate = true
        return try SubscriberSocket(connect: publisher.endpoints, options: options)
    }

    @Test("a late subscriber, and the same subscriber after reconnecting, get the newest weights and never an older version")
    func lateSubscriberGetsNewest() async throws {
        let publisher = try PublisherSocket(bind: [.loopbackAnyPort])
        let version = Atomic<UInt64>(0)
        // The learner's habit: publish each new version and re-publish the newest periodically,
        // so subscribers that join late are served.
        let learner = Task {
            var current: UInt64 = 0
            while !Task.isCancelled {
                current += 1
                version.set(current)
                try? await publisher.send(.weights(SampleMessages.weights(layers: [4, 16, 2], version: current)))
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        for round in 0..<2 {
            let subscriber = try conflatedSubscriber(publisher)
            let publishedBeforeJoining = version.get()
            var received: [UInt64] = []
            func receiveVersion() async throws -> UInt64? {
                let message = try await withTimeout(seconds: 30) { try await subscriber.receiveMessage() }
                guard case .weights(let weights) = message else {
                    Issue.record("expected weights, got \(message.kindName)")
                    return nil
                }
                return weights.version
            }
            for _ in 0..<5 {
                guard let next = try await receiveVersion() else { return }
                received.append(next)
                // Not reading while several newer versions arrive: conflation keeps one.
                let arrived = subscriber.statistics.messagesReceived
                #expect(await eventually { subscriber.statistics.messagesReceived >= arrived + 3 })
                #expect(subscriber.core.queuedInbound <= 1)
            }
            // Never an older version than what existed when it joined, always newer ones, and
            // versions skipped while the consumer did not read.
            #expect(received[0] >= publishedBeforeJoining, "round \(round): first \(received[0]) < \(publishedBeforeJoining)")
            #expect(zip(received, received.dropFirst()).allSatisfy { $1 - $0 >= 3 }, "round \(round): \(received)")
            await subscriber.close()
        }
        learner.cancel()
        await publisher.close()
    }
}

/// A tiny lock-protected box for test bookkeeping.
final class Atomic<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLockLike()
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.locked { value } }
    func set(_ newValue: Value) { lock.locked { value = newValue } }
}

import Foundation
final class NSLockLike: @unchecked Sendable {
    private let lock = NSLock()
    func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
