import Foundation
import NexusRuntime
import NexusTestKit
import NexusTransport
import NexusWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A `nexus train` (or single role) process started by a test, watched through its run
/// directory. Waiting polls with `Task.sleep`, so no cooperative-pool thread is blocked.
final class ClusterRun: @unchecked Sendable {
    let runDirectory: String
    let process: TestProcess
    private let output: String

    /// `host`: a network namespace to run in (`cluster/netns-hosts`), through `ip netns exec`;
    /// `environment`: variables set on top of this process's.
    init(_ arguments: [String], runDirectory: String? = nil, logName: String = "train", host: String? = nil, environment: [String: String] = [:]) async throws {
        self.runDirectory = runDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("nexus-it-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.runDirectory, withIntermediateDirectories: true)
        output = self.runDirectory + "/\(logName).out"
        try Data().write(to: URL(fileURLWithPath: output))
        if let host {
            process = try await TestProcess.start("/usr/sbin/ip", ["netns", "exec", host, NexusProcess.executable.path] + arguments, environment: environment, outputPath: output)
        } else {
            process = try await TestProcess.start(NexusProcess.executable.path, arguments, environment: environment, outputPath: output)
        }
    }

    /// `nexus train` with this run directory and `arguments`.
    static func train(_ arguments: [String], environment: [String: String] = [:]) async throws -> ClusterRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-it-\(UUID().uuidString)").path
        return try await ClusterRun(["train", "--run-dir", directory] + arguments, runDirectory: directory, environment: environment)
    }

    /// Whatever the test's outcome, its processes do not outlive it (a launcher's children
    /// follow it through their stdin pipes).
    deinit {
        process.signal(SIGKILL)
    }

    var pid: Int32 { process.pid }
    var isRunning: Bool { process.isRunning }

    var outputText: String { Self.read(output) }

    /// A file's text, "" if absent. Plain read(2): Foundation's file readers leaked a 4 KiB
    /// buffer under LeakSanitizer for files that were empty or growing (logs, /proc).
    static func read(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Polls `condition` every 50 ms for at most `seconds`; returns whether it became true.
    @discardableResult
    static func waitUntil(seconds: Double, _ condition: () -> Bool) async -> Bool {
        await eventually(seconds: seconds, every: .milliseconds(50), condition)
    }

    /// Waits for the process to end (killing it after `seconds`); returns its exit status.
    func finish(within seconds: Double) async -> Int32? { await process.finish(within: seconds) }

    func json(_ name: String) -> [String: Any]? {
        let text = Self.read(runDirectory + "/" + name)
        guard !text.isEmpty else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    var summary: [String: Any]? { json("summary.json") }

    /// Rows of metrics.csv (without the header).
    var metricsRows: [[String: String]] { metricsRows(in: ".") }

    /// Rows of the metrics.csv of a run directory at `subdirectory` below this one.
    func metricsRows(in subdirectory: String) -> [[String: String]] { Self.metricsRows(at: runDirectory + "/\(subdirectory)") }

    /// Rows of the metrics.csv in `directory`.
    static func metricsRows(at directory: String) -> [[String: String]] {
        let text = read(directory + "/metrics.csv")
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// pids of the cluster's processes, by role ("worker-2" for workers).
    var processes: [String: Int32] {
        guard let cluster = json("cluster.json"), let list = cluster["processes"] as? [[String: Any]] else { return [:] }
        var result: [String: Int32] = [:]
        for entry in list {
            guard let role = entry["role"] as? String, let pid = (entry["pid"] as? NSNumber)?.int32Value else { continue }
            let name = role == "worker" ? "worker-\((entry["worker_id"] as? NSNumber)?.intValue ?? 0)" : role
            result[name] = pid
        }
        return result
    }

    func endpoints(of role: String) -> [String: String] {
        guard let cluster = json("cluster.json"), let list = cluster["processes"] as? [[String: Any]] else { return [:] }
        return list.first { $0["role"] as? String == role }?["endpoints"] as? [String: String] ?? [:]
    }

    static func isAlive(_ pid: Int32) -> Bool {
        // A zombie still answers kill(0); read its state instead.
        let stat = read("/proc/\(pid)/stat")
        guard !stat.isEmpty else { return false }
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z" && state != "X"
    }

    func log(_ name: String) -> String {
        Self.read(runDirectory + "/logs/\(name).log")
    }

    /// Whether a metrics.csv row after the first `skipping` evaluated at `target` or more.
    func evaluated(atLeast target: Double, after skipping: Int = 0, in subdirectory: String = ".") -> Bool {
        Self.evaluated(metricsRows(in: subdirectory), atLeast: target, after: skipping)
    }

    static func evaluated(_ rows: [[String: String]], atLeast target: Double, after skipping: Int = 0) -> Bool {
        rows.dropFirst(skipping).contains { (Double($0["eval_return_mean"] ?? "") ?? -.infinity) >= target }
    }

    /// The learner's control endpoint: from cluster.json (`nexus train`), else announced by
    /// a learner whose run directory is this one or `run/` below it.
    var learnerControl: String? { endpoints(of: "learner")["control"] ?? Self.learnerControl(in: runDirectory) }

    static func learnerControl(in directory: String) -> String? {
        ["endpoints", "run/endpoints"].lazy.compactMap { EndpointAnnouncement.read(directory + "/\($0)/learner.json")?["control"] }.first
    }

    /// Asks `client` for status until an answer satisfies `condition` (for at most `seconds`);
    /// the last answer, nil if none came.
    static func status(
        of client: StatusClient, within seconds: Double, until condition: (ControlMessage.Status) -> Bool
    ) async -> ControlMessage.Status? {
        var patience = Patience(seconds: seconds)
        var last: ControlMessage.Status?
        while patience.remains() {
            if let answer = await client.status(timeout: 2) {
                last = answer
                if condition(answer) { return answer }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    /// A status client of this run's learner (`keys`: a CURVE keys directory).
    func learnerStatus(keys: String? = nil) throws -> StatusClient {
        var security = RunConfig.SecuritySettings()
        if let keys { (security.mode, security.keys) = (.curve, keys) }
        return try StatusClient(endpoint: try Endpoint(parsing: try #require(learnerControl)), security: RoleSecurity(security), logger: .init(label: "test"))
    }

    /// Asks the learner to stop (a control Stop, as an operator would) and waits for this
    /// process to end; its exit status (nil: killed after `seconds`). `keys`: a CURVE keys
    /// directory; `namespace`: the network namespace to connect from.
    func stop(reason: String, within seconds: Double, keys: String? = nil, namespace: String? = nil) async throws -> Int32? {
        let control = try #require(learnerControl, "no learner control endpoint in \(runDirectory)")
        return try await Self.sendStop(to: control, reason: reason, keys: keys, namespace: namespace) { await self.finish(within: seconds) }
    }

    /// Sends a control Stop to the learner at `endpoint`; the socket stays open until `done`
    /// returns, so that a stop queued before the connection (or its CURVE handshake) is up
    /// is still delivered.
    static func sendStop<T>(
        to endpoint: String, reason: String, keys: String? = nil, namespace: String? = nil, until done: () async -> T
    ) async throws -> T {
        let target = try Endpoint(parsing: endpoint)
        var options = SocketOptions.default
        if let keys {
            var security = RunConfig.SecuritySettings()
            (security.mode, security.keys) = (.curve, keys)
            options = try RoleSecurity(security).client(target)
        }
        let stopper: DealerSocket
        if let namespace {
            stopper = try await inNetworkNamespace(namespace) { [options] in try DealerSocket(connect: [target], options: options, context: ZMQContext()) }
        } else {
            stopper = try DealerSocket(connect: [target], options: options)
        }
        try await stopper.send(.control(.stop(reason: reason)))
        let result = await done()
        await stopper.close()
        return result
    }

    /// Runs `body` on a new thread that has joined network namespace `name` (`ip netns`):
    /// sockets made there, with their own libzmq context (whose I/O thread that thread
    /// starts, inheriting the namespace), connect from inside it.
    static func inNetworkNamespace<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                let descriptor = open("/run/netns/\(name)", O_RDONLY)
                defer { if descriptor >= 0 { close(descriptor) } }
                guard descriptor >= 0, setNamespace(descriptor, 0x4000_0000 /* CLONE_NEWNET */) == 0 else {
                    continuation.resume(throwing: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM))
                    return
                }
                continuation.resume(with: Result { try body() })
            }.start()
        }
    }
}

/// setns(2), which Glibc's module does not export (it needs _GNU_SOURCE).
@_silgen_name("setns")
private func setNamespace(_ descriptor: Int32, _ type: Int32) -> Int32

extension Dictionary where Key == String, Value == Any {
    func number(_ key: String) -> Double? { (self[key] as? NSNumber)?.doubleValue }
    func flag(_ key: String) -> Bool? { (self[key] as? NSNumber)?.boolValue }
}
