import Foundation
import Subprocess
import Synchronization

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A child process of a test, started with swift-subprocess: it inherits nothing of the test
/// process but the streams it is given (the child closes every other descriptor), and its exit
/// is seen through its pidfd.
///
/// Not Foundation's `Process`: it learns of an exit when the child's end of a socket pair
/// closes, and a sibling started by another test at the same moment can inherit that end
/// (Foundation lists the descriptors to close before it spawns). While such a sibling lives,
/// the exit goes unseen: in CI (2026-12-06) a worker that had ended was waited for 90 s.
public final class TestProcess: Sendable {
    public let pid: Int32
    /// The exit status, or the signal's number if one killed it (as `Process` reports them);
    /// nil while it runs.
    private let box: Box
    private let ended: Task<Void, Never>

    private init(pid: Int32, box: Box, ended: Task<Void, Never>) {
        self.pid = pid
        self.box = box
        self.ended = ended
    }

    /// Starts `executable` with `arguments`; `environment` is laid over this process's own.
    /// Standard output and error go to the file at `outputPath` (appended to), or are
    /// discarded; standard input is empty.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], outputPath: String? = nil
    ) async throws -> TestProcess {
        let output = try FileDescriptor.open(
            FilePath(outputPath ?? "/dev/null"), .writeOnly, options: [.append, .create, .closeOnExec], permissions: [.ownerReadWrite, .groupRead, .otherRead])
        let box = Box()
        let (started, announce) = AsyncStream.makeStream(of: Int32.self)
        let failure = Mutex<(any Error)?>(nil)
        let ended = Task {
            do {
                let result = try await run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: .inheriting(environment),
                    input: .none, output: .fileDescriptor(output, closeAfterSpawningProcess: true), error: .combinedWithOutput
                ) { announce.yield($0.processIdentifier.value) }
                box.value.withLock { $0 = result.terminationStatus.code }
            } catch {
                failure.withLock { $0 = error }
            }
            announce.finish()
        }
        for await pid in started { return TestProcess(pid: pid, box: box, ended: ended) }
        throw failure.withLock { $0 } ?? POSIXError(.ECHILD)
    }

    /// `Mutex` is not copyable: the monitoring task and the process share it through a class.
    private final class Box: Sendable { let value = Mutex<Int32?>(nil) }

    public var isRunning: Bool { box.value.withLock { $0 } == nil }

    /// The exit status (see `status`); nil while it runs.
    public var terminationStatus: Int32? { box.value.withLock { $0 } }

    /// Waits for the end; its status.
    @discardableResult
    public func waitUntilExit() async -> Int32 {
        await ended.value
        return box.value.withLock { $0 } ?? -1
    }

    /// Waits at most `seconds` for the end: its status, or nil if it still ran then, when it is
    /// killed (a test says so rather than waiting for ever on a process that ignored a signal).
    public func finish(within seconds: Double) async -> Int32? {
        if await eventually(seconds: seconds, every: .milliseconds(20), { !isRunning }) { return terminationStatus }
        signal(SIGKILL)
        await waitUntilExit()
        return nil
    }

    /// Sends `signal` unless the process has ended (its pid may then be another's).
    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }
}

extension Environment {
    /// This process's environment with `overrides` laid over it.
    static func inheriting(_ overrides: [String: String]) -> Environment {
        .inherit.updating(Dictionary(uniqueKeysWithValues: overrides.map { (Key(stringLiteral: $0.key), Optional($0.value)) }))
    }
}
