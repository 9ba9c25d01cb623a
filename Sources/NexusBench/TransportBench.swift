import Foundation
import NexusTransport

/// `nexus bench transport`: Nexus sockets against raw libzmq in the same run, over tcp
/// loopback: PUSH/PULL throughput for four payload sizes, ROUTER/DEALER round trips.
public struct TransportBench: Sendable {
    public var settings: BenchSettings

    public init(_ settings: BenchSettings = BenchSettings()) { self.settings = settings }

    public static let caseNames = payloads.map { "push_pull_\($0.name)" } + ["router_dealer_256B"]

    static let payloads: [(name: String, size: Int, count: Int)] = [
        ("64B", 64, 200_000), ("4KiB", 4096, 50_000), ("64KiB", 65536, 10_000), ("1MiB", 1 << 20, 1_000),
    ]

    public func run(_ reporter: BenchReporter) async throws {
        try settings.requireMatch(in: Self.caseNames, bench: "transport")
        let rounds = settings.quick ? 1 : 5
        for payload in Self.payloads where settings.selected("push_pull_\(payload.name)") {
            let count = settings.quick ? max(payload.count / 20, 50) : payload.count
            var nexus: [Double] = []
            var raw: [Double] = []
            // Interleaved rounds, so both sides see the same machine.
            for _ in 0..<rounds {
                raw.append(await RawZeroMQ.pushPullSeconds(size: payload.size, count: count))
                nexus.append(try await nexusPushPullSeconds(size: payload.size, count: count))
            }
            let nexusRate = Double(count) / Measure.median(nexus)
            let rawRate = Double(count) / Measure.median(raw)
            let name = "push_pull_\(payload.name)"
            reporter.report(BenchRecord(bench: "transport", case: name, metric: "messages_per_s", value: nexusRate, unit: "msg/s", baseline: rawRate))
            reporter.report(BenchRecord(
                bench: "transport", case: name, metric: "throughput", value: nexusRate * Double(payload.size) / 1e6, unit: "MB/s",
                baseline: rawRate * Double(payload.size) / 1e6))
        }

        let size = 256
        guard settings.selected("router_dealer_256B") else { return }
        let count = settings.quick ? 500 : 10_000
        let warmup = settings.quick ? 20 : 100
        // Interleaved chunks, so that both sides see the same moments of a noisy machine.
        var raw: [Double] = []
        var nexus: [Double] = []
        for _ in 0..<rounds * 2 {
            raw += await RawZeroMQ.requestReplyMicroseconds(size: size, count: count / (rounds * 2), warmup: warmup)
            nexus += try await nexusRoundTripMicroseconds(size: size, count: count / (rounds * 2), warmup: warmup)
        }
        raw.sort()
        nexus.sort()
        for (metric, fraction) in [("rtt_p50", 0.5), ("rtt_p99", 0.99)] {
            reporter.report(BenchRecord(
                bench: "transport", case: "router_dealer_256B", metric: metric,
                value: Measure.percentile(nexus, fraction), unit: "us", baseline: Measure.percentile(raw, fraction)))
        }
    }

    private func nexusPushPullSeconds(size: Int, count: Int) async throws -> Double {
        let pull = try PullSocket(bind: [.loopbackAnyPort])
        let push = try PushSocket(connect: pull.endpoints)
        let payload = [UInt8](repeating: 0x5A, count: size)
        try await push.send(payload)
        _ = try await pull.receive()
        let start = Measure.now()
        let sender = Task {
            for _ in 0..<count { try await push.send(payload) }
        }
        var received = 0
        for _ in 0..<count { received &+= try await pull.receive().count }
        let seconds = Double(Measure.now() - start) / 1e9
        try await sender.value
        precondition(received == size * count, "transport bench lost bytes")
        await push.close()
        await pull.close()
        return seconds
    }

    private func nexusRoundTripMicroseconds(size: Int, count: Int, warmup: Int) async throws -> [Double] {
        let router = try RouterSocket(bind: [.loopbackAnyPort])
        let dealer = try DealerSocket(connect: router.endpoints)
        // Both loops run on their socket's own thread, as Nexus's request/reply roles do.
        let server = Task(executorPreference: router.taskExecutor) {
            while let (peer, payload) = try? await router.receive() {
                try? await router.send(to: peer, payload)
            }
        }
        let client = Task(executorPreference: dealer.taskExecutor) {
            let payload = [UInt8](repeating: 0x33, count: size)
            var samples: [Double] = []
            samples.reserveCapacity(count + warmup)
            for _ in 0..<(count + warmup) {
                let start = Measure.now()
                try await dealer.send(payload)
                _ = try await dealer.receive()
                samples.append(Double(Measure.now() - start) / 1e3)
            }
            return samples
        }
        let samples = try await client.value
        server.cancel()
        await dealer.close()
        await router.close()
        return Array(samples.dropFirst(warmup))
    }
}
