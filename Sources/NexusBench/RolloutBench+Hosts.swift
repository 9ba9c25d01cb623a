import Foundation
import NexusRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `nexus bench rollout --hosts N`: the same N worker processes on loopback and on N other
/// hosts (network namespaces from `cluster/netns-hosts`: a bridge and veth pairs), CURVE on in
/// both, in one run; steps/s per worker process across hosts against loopback.
extension RolloutBench {
    /// Makes hosts PREFIX-1 … PREFIX-(N+1), runs the measurement inside host 1 (this program
    /// again, `--inside-hosts`), and removes them.
    public func runAcrossHosts(_ hosts: Int, script: String, json: Bool) throws {
        guard (1...8).contains(hosts) else { throw RuntimeError("--hosts \(hosts) must be from 1 to 8") }
        guard getuid() == 0 else { throw RuntimeError("--hosts needs root: it makes network namespaces (cluster/netns-hosts)") }
        guard FileManager.default.isExecutableFile(atPath: script) else {
            throw RuntimeError("--netns-script \(script) is not an executable file (run from the Nexus checkout, or give its path)")
        }
        let prefix = "nxbench\(getpid() % 100_000)"
        guard try Self.runProgram(script, ["up", prefix, "\(hosts + 1)"]) == 0 else { throw RuntimeError("\(script) up \(prefix) \(hosts + 1) failed") }
        defer { _ = try? Self.runProgram(script, ["down", prefix]) }
        var arguments = ["netns", "exec", "\(prefix)-1", executable.path, "bench", "rollout", "--hosts", "\(hosts)", "--inside-hosts", prefix]
        if json { arguments.append("--json") }
        if settings.quick { arguments.append("--quick") }
        guard try Self.runProgram("/usr/sbin/ip", arguments, passOutput: true) == 0 else { throw RuntimeError("the measurement inside \(prefix)-1 failed") }
    }

    /// Inside host 1: loopback, then the other hosts, then loopback again (this machine's speed
    /// drifts; the baseline is the mean of the two loopback rounds).
    public func measureAcrossHosts(_ hosts: Int, prefix: String, _ reporter: BenchReporter) async throws {
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-bench-keys-\(getpid())").path
        try? FileManager.default.removeItem(atPath: keys)
        try KeyFiles.generate(in: keys)
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let seconds = settings.quick ? 1.0 : 4.0
        let loopback = Topology(bindHost: "127.0.0.1", keys: keys)
        let across = Topology(bindHost: "10.213.0.1", workerPrefix: { ["/usr/sbin/ip", "netns", "exec", "\(prefix)-\($0 + 1)"] }, keys: keys)
        let before = try await distributedRate(workers: hosts, seconds: seconds, topology: loopback).0
        let remote = try await distributedRate(workers: hosts, seconds: seconds, topology: across).0
        let after = try await distributedRate(workers: hosts, seconds: seconds, topology: loopback).0
        reporter.report(BenchRecord(
            bench: "rollout", case: "hosts_\(hosts)", metric: "steps_per_s_per_worker", value: remote / Double(hosts), unit: "steps/s",
            baseline: (before + after) / 2 / Double(hosts)))
    }

    static func runProgram(_ path: String, _ arguments: [String], passOutput: Bool = false) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !passOutput { process.standardOutput = FileHandle.nullDevice }
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
