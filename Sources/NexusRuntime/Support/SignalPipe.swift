import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process-wide route from SIGINT/SIGTERM to `StopSignal`s: a handler that writes the
/// signal's number to a pipe (write(2) is async-signal-safe) and a thread that reads it.
///
/// Why not a `DispatchSourceSignal`: it needs the signal ignored first (else the default action
/// kills the process) and libdispatch registers it later on its manager thread, so a signal
/// in between was discarded and the process never stopped. A handler installed with one
/// `sigaction` has no such window: before it the default action ends the process (killed by
/// the signal, which a launcher or shell sees as a stop), after it every signal reaches the pipe.
enum SignalPipe {
    private struct State {
        var installed = false
        var listeners: [@Sendable (Int32) -> Void] = []
    }

    private static let state = Mutex(State())

    /// Routes SIGINT and SIGTERM to `listener` (on a thread of its own) from now on.
    static func listen(_ listener: @escaping @Sendable (Int32) -> Void) {
        let first = state.withLock { state -> Bool in
            state.listeners.append(listener)
            defer { state.installed = true }
            return !state.installed
        }
        if first { install() }
    }

    private static func install() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            fatalError("pipe for signal handling failed: \(String(cString: strerror(errno)))")
        }
        // Not inherited by the processes a role starts (environment servers, experts); the
        // write end never blocks the handler (a full pipe already holds a stop).
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        // The write end must be readable from the handler before the handler exists.
        signalPipeWriteEnd.store(ends[1], ordering: .sequentiallyConsistent)
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = writeSignalNumberToPipe
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            guard sigaction(number, &action, nil) == 0 else {
                fatalError("sigaction(\(number)) failed: \(String(cString: strerror(errno)))")
            }
        }
        // A process started with the signals blocked (Foundation's spawn leaves SIGTERM blocked
        // in its children) must have a thread that takes them: the reader unblocks them in its
        // own thread (the main thread does too, parked in sigsuspend by the async main, but
        // that is libdispatch's detail). Not in the installing thread: a pool thread that may
        // spawn children next, which should start as the launcher's do.
        let readEnd = ends[0]
        let reader = Thread {
            unblockStopSignals()
            var number: UInt8 = 0
            while true {
                let count = read(readEnd, &number, 1)
                if count < 0 && errno == EINTR { continue }
                guard count == 1 else { return }
                for listener in state.withLock({ $0.listeners }) { listener(Int32(number)) }
            }
        }
        reader.name = "nexus-signals"
        reader.start()
    }
}

private func unblockStopSignals() {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
}

/// Read by the signal handler, so an atomic (no lock); first touched, and so initialised, by
/// `install` before the handler exists.
private let signalPipeWriteEnd = Atomic<Int32>(-1)

/// The handler itself: one byte per signal, errno left as the interrupted code had it.
private func writeSignalNumberToPipe(_ number: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd.load(ordering: .relaxed), &byte, 1)
    errno = savedErrno
}
