import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A bound on a role's orderly shutdown once its work is over: if closing its sockets has not
/// finished after `seconds`, the process says where it was stuck and exits (its work is done:
/// what would be lost is only what its peers no longer wait for). A worker left running after
/// the learner's stop keeps a Slurm job or a test waiting forever; once, in CI, a worker did.
public final class ShutdownDeadline: Sendable {
    private let phase = Mutex("stopping")

    /// Starts the clock; `role` names the process in the message.
    public init(role: String, seconds: Double) {
        let thread = Thread { [self] in
            Thread.sleep(forTimeInterval: seconds)
            let stuck = self.phase.withLock { $0 }
            FileHandle.standardError.write(Data("nexus \(role): still shutting down after \(seconds) s (at: \(stuck)); exiting\n".utf8))
            exit(0)
        }
        thread.name = "nexus-shutdown-deadline"
        thread.start()
    }

    /// Names the step under way, for the message.
    public func enter(_ step: String) { phase.withLock { $0 = step } }
}
