import Foundation
import Synchronization

/// One thread of its own as a task executor: work that blocks in system calls (a round trip
/// on a `FramedUnixSocket`) runs here, never on the cooperative pool, and a task that prefers
/// this executor does all of its work between those calls on the same thread, so a reply
/// meets the code that waits for it without a wake-up of another thread.
/// After `stop`, jobs go to the global executor (a task that stopped its own executor still
/// has to finish).
public final class DedicatedThreadExecutor: TaskExecutor, Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    public init(name: String) {
        let thread = Thread { [self] in self.runLoop(name: name) }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let queued = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.jobs.append(job)
            return true
        }
        if queued { wake.signal() } else { globalConcurrentExecutor.enqueue(job) }
    }

    /// Ends the thread once the jobs queued so far have run.
    public func stop() {
        state.withLock { $0.stopped = true }
        wake.signal()
    }

    private func runLoop(name: String) {
        // The kernel's name for it (a new thread inherits its creator's, often a pool
        // thread's): what `top -H` and /proc show. At most 15 bytes.
        try? String(name.utf8.prefix(15))!.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
        var batch: [UnownedJob] = []
        while true {
            wake.wait()
            let stopped = state.withLock { state -> Bool in
                swap(&batch, &state.jobs)
                return state.stopped
            }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
            if stopped { return }
        }
    }
}
