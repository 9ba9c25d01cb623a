import CoreMetrics
import FlyingFox
import FlyingSocks
import Foundation
import Logging
import Prometheus
import Synchronization

/// `GET /metrics` in Prometheus's text format: what the process counts through swift-metrics
/// (learner and expert roles; see `RoleMetrics` in NexusRuntime), collected by the
/// swift-prometheus backend. Started before the role's servers, since swift-metrics hands
/// out no-op counters until a backend is bootstrapped (once per process). The server serves
/// until the process exits.
public final class MetricsEndpoint: Sendable {
    public let url: String

    /// Histogram buckets where the backend's defaults (5 ms to 10 s; 5 to 10,000) miss the
    /// range: an expert answers in tens of microseconds, policy lag is a few versions.
    static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["nexus_expert_query_duration_seconds"] = [
            .microseconds(20), .microseconds(50), .microseconds(100), .microseconds(200), .microseconds(500),
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(20), .milliseconds(100), .seconds(1),
        ]
        factory.durationHistogramBuckets["nexus_learner_update_duration_seconds"] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(20),
        ]
        factory.valueHistogramBuckets["nexus_learner_segment_policy_lag"] = [0, 1, 2, 3, 4, 8, 16, 64]
        factory.valueHistogramBuckets["nexus_learner_segment_length_steps"] = [8, 16, 32, 64, 128, 256, 512, 1024, 4096]
        return factory
    }

    /// Bootstraps swift-metrics with Prometheus and listens on `host:port` (IPv4; port 0 picks
    /// a free one, read back in `url`).
    public static func start(host: String, port: Int, logger: Logger) async throws -> MetricsEndpoint {
        guard (0...65535).contains(port) else { throw MetricsEndpointError("metrics.port \(port) is not a TCP port (0-65535)") }
        let address: sockaddr_in
        do {
            address = try .inet(ip4: host, port: UInt16(port))
        } catch {
            throw MetricsEndpointError("metrics.bind \"\(host)\" is not an IPv4 address")
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(registry: registry))
        let server = HTTPServer(address: address, timeout: 10, logger: QuietLogger(logger: logger))
        await server.appendRoute("GET /metrics") { _ in
            HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: Data(registry.emitToBuffer()))
        }
        // The server task ends at once when it cannot bind; its error is reported rather than
        // waiting out a listening timeout.
        let failure = Mutex<(any Error)?>(nil)
        let serving = Task {
            do { try await server.run() } catch {
                failure.withLock { $0 = error }
                logger.error("metrics endpoint stopped: \(error)")
            }
        }
        let deadline = ContinuousClock.now + .seconds(5)
        var bound: Socket.Address?
        while bound == nil, ContinuousClock.now < deadline {
            if let error = failure.withLock({ $0 }) {
                throw MetricsEndpointError("cannot listen for /metrics on \(host):\(port) (metrics.port, metrics.bind): \(describe(error))")
            }
            bound = await server.listeningAddress
            if bound == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        guard case .ip4(let boundHost, let boundPort) = bound else {
            serving.cancel()
            throw MetricsEndpointError("cannot listen for /metrics on \(host):\(port): not listening after 5 s")
        }
        return MetricsEndpoint(url: "http://\(boundHost):\(boundPort)/metrics")
    }

    private init(url: String) { self.url = url }
}

/// FlyingSocks' bind failure as the system says it ("Address already in use").
private func describe(_ error: any Error) -> String {
    if case .failed(_, let errno, let message) = error as? SocketError { return "\(message) (errno \(errno))" }
    return "\(error)"
}

public struct MetricsEndpointError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// FlyingFox's log lines through swift-log: its per-request lines at debug, problems as warnings.
private struct QuietLogger: FlyingSocks.Logging {
    let logger: Logger
    func logDebug(_ debug: @autoclosure () -> String) { logger.trace("\(debug())") }
    func logInfo(_ info: @autoclosure () -> String) { logger.debug("\(info())") }
    func logWarning(_ warning: @autoclosure () -> String) { logger.warning("\(warning())") }
    func logError(_ error: @autoclosure () -> String) { logger.warning("\(error())") }
    func logCritical(_ critical: @autoclosure () -> String) { logger.error("\(critical())") }
}
