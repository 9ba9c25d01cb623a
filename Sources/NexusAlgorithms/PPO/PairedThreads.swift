import Foundation
import Synchronization

/// Runs two independent pieces of work at once for the length of a session: the calling
/// thread does the first, a helper thread the second. The helper spins between pieces instead
/// of sleeping: PPO's minibatch steps are ~70 µs each, and waking a sleeping thread on the
/// other vCPU costs ~35 µs (TOOLCHAIN.md), which would eat most of the gain. A session lasts
/// one update; outside it no thread exists. Spinning yields the core to any other runnable
/// thread, so a busy machine loses little to it.
public final class PairedThreads: @unchecked Sendable {
    private enum Phase: Int { case idle = 0, posted = 1, done = 2, closing = 3 }
    private let phase = Atomic<Int>(Phase.idle.rawValue)
    /// Written by the caller before `posted`, read by the helper after it (release/acquire).
    private nonisolated(unsafe) var work: (() -> Void)?
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    public init() {}

    /// Never opened: `run` does both pieces on the calling thread.
    public static let sequential = PairedThreads()

    /// Starts the helper; until `close`, `run` uses it.
    public func open() {
        precondition(thread == nil, "session already open")
        phase.store(Phase.idle.rawValue, ordering: .sequentiallyConsistent)
        let thread = Thread { [self] in
            while true {
                switch phase.load(ordering: .acquiring) {
                case Phase.posted.rawValue:
                    work?()
                    phase.store(Phase.done.rawValue, ordering: .releasing)
                case Phase.closing.rawValue:
                    finished.signal()
                    return
                default:
                    // Runnable threads of this or other processes (workers, a parallel test)
                    // get the core; with none, this returns at once.
                    sched_yield()
                }
            }
        }
        self.thread = thread
        thread.start()
    }

    /// `first` here and `second` on the helper, returning when both are done (one after the
    /// other on this thread when no session is open).
    public func run(_ first: () -> Void, _ second: @escaping () -> Void) {
        guard thread != nil else {
            first()
            second()
            return
        }
        work = second
        phase.store(Phase.posted.rawValue, ordering: .releasing)
        first()
        while phase.load(ordering: .acquiring) != Phase.done.rawValue { sched_yield() }
        work = nil
        phase.store(Phase.idle.rawValue, ordering: .releasing)
    }

    /// Stops the helper and waits for it.
    public func close() {
        guard thread != nil else { return }
        phase.store(Phase.closing.rawValue, ordering: .releasing)
        finished.wait()
        thread = nil
    }
}
