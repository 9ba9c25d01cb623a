import Foundation
import Subprocess
import Synchronization

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs the real `nexus` binary (built next to the test bundle by `swift test`).
public struct NexusProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `nexus` executable beside the running test bundle.
    public static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("nexus")
    }

    /// Runs `nexus arguments…` to completion, stopping it (SIGTERM) after `timeout` seconds.
    /// `environment`: variables set for the child on top of this process's own; `input`: its
    /// standard input (else none); `directory`: where it runs (else this process's directory).
    /// Started as `TestProcess` starts children (swift-subprocess): nothing of this process's
    /// leaks into it, and its end is seen however many siblings run.
    public static func run(
        _ arguments: [String], timeout: Double = 120, environment: [String: String] = [:], input: String? = nil, directory: String? = nil
    ) async throws -> Result {
        if let input { return try await collect(arguments, input: .string(input), timeout: timeout, environment: environment, directory: directory) }
        return try await collect(arguments, input: .none, timeout: timeout, environment: environment, directory: directory)
    }

    /// `run` with either kind of standard input (a string, or none).
    private static func collect(
        _ arguments: [String], input: some InputProtocol, timeout: Double, environment: [String: String], directory: String?
    ) async throws -> Result {
        let watchdog = Mutex<Task<Void, any Error>?>(nil)
        defer { watchdog.withLock { $0?.cancel() } }
        // The output is read as it comes: a chatty child never blocks on a full pipe.
        let limit = 1 << 30
        let result = try await Subprocess.run(
            .path(FilePath(executable.path)), arguments: Arguments(arguments), environment: .inheriting(environment),
            workingDirectory: directory.map { FilePath($0) }, input: input, output: .string(limit: limit), error: .string(limit: limit)
        ) { execution in
            let pid = execution.processIdentifier.value
            watchdog.withLock { $0 = Task { try await Task.sleep(for: .seconds(timeout)); kill(pid, SIGTERM) } }
        }
        return Result(status: result.terminationStatus.code, stdout: result.standardOutput, stderr: result.standardError)
    }
}

extension TerminationStatus {
    /// The exit status, or the signal's number if one ended the process (as Foundation's
    /// `Process` reports them).
    var code: Int32 {
        switch self {
        case .exited(let code): Int32(code)
        case .signaled(let signal): Int32(signal)
        }
    }
}
