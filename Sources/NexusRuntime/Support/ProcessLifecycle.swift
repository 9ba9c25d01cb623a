import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT/SIGTERM as an async event, and a child's tie to its launcher.
public final class StopSignal: Sendable {
    private let state = Mutex<(stopped: Bool, reason: String, waiters: [CheckedContinuation<String, Never>])>((false, "", []))
    // Kept alive for the life of the process; only installHandlers writes it, once.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    public init() {}

    /// Routes SIGINT and SIGTERM here instead of killing the process.
    public func installHandlers() {
        let installed = [SIGINT, SIGTERM].map { signalNumber -> any DispatchSourceSignal in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.trigger(signalNumber == SIGINT ? "SIGINT" : "SIGTERM") }
            source.resume()
            return source
        }
        Self.sources += installed
    }

    public func trigger(_ reason: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<String, Never>] in
            guard !state.stopped else { return [] }
            state.stopped = true
            state.reason = reason
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    public var isStopped: Bool { state.withLock { $0.stopped } }
    public var reason: String { state.withLock { $0.reason } }

    /// Returns (with the reason) once a stop was requested.
    public func wait() async -> String {
        await withCheckedContinuation { continuation in
            let reason = state.withLock { state -> String? in
                if state.stopped { return state.reason }
                state.waiters.append(continuation)
                return nil
            }
            if let reason { continuation.resume(returning: reason) }
        }
    }
}

public enum ParentWatch {
    /// For a role started by the launcher: its standard input is a pipe the launcher holds
    /// open, so when the launcher dies (even by SIGKILL) the read sees end-of-file and the
    /// role stops (`stop`), then exits outright if it has not after `graceSeconds`. A pipe
    /// rather than PR_SET_PDEATHSIG, which fires when the spawning *thread* ends.
    public static func stopWhenStandardInputCloses(_ stop: StopSignal, graceSeconds: Double) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 256)
            while true {
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count == 0 || (count < 0 && errno != EINTR) { break }
            }
            stop.trigger("launcher gone")
            Thread.sleep(forTimeInterval: graceSeconds)
            FileHandle.standardError.write(Data("nexus: launcher gone and still running after \(graceSeconds) s; exiting\n".utf8))
            exit(3)
        }
        thread.start()
    }
}
