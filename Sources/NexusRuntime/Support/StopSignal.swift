import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT/SIGTERM (or any reason to stop) as an async event every loop of a role can wait on.
public final class StopSignal: Sendable {
    private struct State {
        var stopped = false
        var reason = ""
        var waiters: [UInt64: CheckedContinuation<String?, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Routes SIGINT and SIGTERM here instead of killing the process (see `SignalPipe`:
    /// no signal is lost however early it comes).
    public func installHandlers() {
        SignalPipe.listen { [weak self] number in self?.trigger(number == SIGINT ? "SIGINT" : "SIGTERM") }
    }

    public func trigger(_ reason: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<String?, Never>] in
            guard !state.stopped else { return [] }
            state.stopped = true
            state.reason = reason
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    public var isStopped: Bool { state.withLock { $0.stopped } }
    public var reason: String { state.withLock { $0.reason } }

    /// Returns the reason once a stop was requested, or nil if the waiting task is cancelled
    /// first (a role whose loop ended by itself cancels its stop watcher).
    @discardableResult
    public func wait() async -> String? {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let immediate = state.withLock { state -> String?? in
                    if state.stopped { return .some(state.reason) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }
}
