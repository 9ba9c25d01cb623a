import Logging
import NexusTransport
import NexusWire
import Synchronization

/// The newest weights the learner published. A SUB socket with ZMQ_CONFLATE keeps only the
/// last message; a background task decodes it and stores it here for the rollout loop.
public final class WeightsInbox: Sendable {
    private let socket: SubscriberSocket
    private let newest = Mutex<Weights?>(nil)
    /// Offers so far, and the rollout loop waiting for the next one (at most one waiter).
    private let arrivals = Mutex<(count: UInt64, waiter: CheckedContinuation<Void, Never>?)>((0, nil))

    public init(endpoint: Endpoint, security: RoleSecurity = RoleSecurity(RunConfig.SecuritySettings()), logger: Logger) throws {
        var options = try security.client(endpoint)
        options.conflate = true
        socket = try SubscriberSocket(connect: [endpoint], options: options, logger: logger)
    }

    /// Receives until cancelled.
    public func run() async throws {
        while true {
            if case .weights(let weights) = try await socket.receiveMessage() { offer(weights) }
        }
    }

    /// Weights to install over `installed` (run id and version; nil: nothing yet): a newer
    /// version of the same run, or any version of another run (a learner restarted afresh
    /// counts versions from 1 again).
    public func take(over installed: (runID: String, version: UInt64)?) -> Weights? {
        newest.withLock { weights in
            guard let weights else { return nil }
            guard let installed else { return weights }
            return weights.runID != installed.runID || weights.version > installed.version ? weights : nil
        }
    }

    /// Keeps `weights` if they are newer than what is held (or of another run).
    public func offer(_ weights: Weights) {
        newest.withLock { current in
            if current == nil || weights.version > current!.version || weights.runID != current!.runID { current = weights }
        }
        arrivals.withLock { $0.count += 1 }
        wakeWaiter()
    }

    /// Wakes the rollout loop as an offer would, without weights: the learner asked for more
    /// data, and a worker waiting for the next version should look again.
    public func nudge() {
        arrivals.withLock { $0.count += 1 }
        wakeWaiter()
    }

    /// How many weights messages have been offered: pass it to `waitForOffer(after:seconds:)`.
    public var offerCount: UInt64 { arrivals.withLock { $0.count } }

    /// Returns when a weights message arrives after the `count`-th (at once if one already
    /// has), after `seconds`, or on cancellation. A worker that has collected its share for
    /// a version waits here instead of polling, so it starts on a new version at once.
    public func waitForOffer(after count: UInt64, seconds: Double) async {
        let timer = Task {
            // A timer cancelled because an offer came first must not wake the next wait.
            guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return }
            self.wakeWaiter()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waitNow = arrivals.withLock { state -> Bool in
                    guard state.count == count, state.waiter == nil else { return false }
                    state.waiter = continuation
                    return true
                }
                if !waitNow { continuation.resume() }
            }
        } onCancel: {
            wakeWaiter()
        }
    }

    private func wakeWaiter() {
        arrivals.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }

    public var rejectedMessages: UInt64 { socket.statistics.rejectedMessages }

    public func close() async { await socket.close() }
}
