import Foundation
import NexusTestKit

#if canImport(Glibc)
import Glibc
#endif

/// A `nexus train` (or single role) process started by a test, watched through its run
/// directory. Waiting polls with `Task.sleep`, so no cooperative-pool thread is blocked.
final class ClusterRun: @unchecked Sendable {
    let runDirectory: String
    let process = Process()
    private let output: String

    /// `host`: a network namespace to run in (`cluster/netns-hosts`), through `ip netns exec`.
    init(_ arguments: [String], runDirectory: String? = nil, logName: String = "train", host: String? = nil) throws {
        self.runDirectory = runDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("nexus-it-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.runDirectory, withIntermediateDirectories: true)
        output = self.runDirectory + "/\(logName).out"
        try Data().write(to: URL(fileURLWithPath: output))
        if let host {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", host, NexusProcess.executable.path] + arguments
        } else {
            process.executableURL = NexusProcess.executable
            process.arguments = arguments
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// `nexus train` with this run directory and `arguments`.
    static func train(_ arguments: [String]) throws -> ClusterRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-it-\(UUID().uuidString)").path
        return try ClusterRun(["train", "--run-dir", directory] + arguments, runDirectory: directory)
    }

    /// Whatever the test's outcome, its processes do not outlive it (a launcher's children
    /// follow it through their stdin pipes).
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var pid: Int32 { process.processIdentifier }
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
    func finish(within seconds: Double) async -> Int32? {
        if await Self.waitUntil(seconds: seconds, { !process.isRunning }) {
            return process.terminationStatus
        }
        kill(pid, SIGKILL)
        await Self.waitUntil(seconds: 5) { !process.isRunning }
        return nil
    }

    func json(_ name: String) -> [String: Any]? {
        let text = Self.read(runDirectory + "/" + name)
        guard !text.isEmpty else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    var summary: [String: Any]? { json("summary.json") }

    /// Rows of metrics.csv (without the header).
    var metricsRows: [[String: String]] { metricsRows(in: ".") }

    /// Rows of the metrics.csv of a run directory at `subdirectory` below this one.
    func metricsRows(in subdirectory: String) -> [[String: String]] {
        let text = Self.read(runDirectory + "/\(subdirectory)/metrics.csv")
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
}

extension Dictionary where Key == String, Value == Any {
    func number(_ key: String) -> Double? { (self[key] as? NSNumber)?.doubleValue }
    func flag(_ key: String) -> Bool? { (self[key] as? NSNumber)?.boolValue }
}
