import NexusWire
import Synchronization

/// What arrived on the trajectory socket for the training loop: the receiving loop puts,
/// never waiting for training; the training loop takes items one by one between iterations,
/// until the algorithm has enough to train (the rest waits for the next iteration: an
/// iteration that took everything that arrived while the previous one trained grew its
/// batch each time, and PPO's schedules, counted in env steps, ran out in a few updates).
/// Bounded: when `capacity` items wait, the receiving loop waits too, and the socket's own
/// queue (and TCP) hold the rest back.
final class SegmentInbox: Sendable {
    enum Item: Sendable {
        case segment(TrajectorySegment)
        /// A message of another kind on the trajectory socket.
        case wrongKind
    }

    private struct State {
        var items: [Item] = []
        var waitingForSpace: CheckedContinuation<Void, Never>?
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds `item`, first waiting while the inbox is full (one putter at a time). A cancelled
    /// wait (the learner stopping) ends at once, the item dropped.
    func put(_ item: Item) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let full = state.withLock { state -> Bool in
                    // Cancelled before it would wait: the handler below has run or will find no waiter.
                    guard state.items.count >= capacity, !Task.isCancelled else { return false }
                    precondition(state.waitingForSpace == nil, "SegmentInbox takes one putter at a time")
                    state.waitingForSpace = continuation
                    return true
                }
                if !full { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waitingForSpace = nil }
                return state.waitingForSpace
            }?.resume()
        }
        guard !Task.isCancelled else { return }
        state.withLock { $0.items.append(item) }
    }

    /// The oldest item, if any; the putter waiting for space goes on.
    func takeNext() -> Item? {
        let (item, waiter) = state.withLock { state -> (Item?, CheckedContinuation<Void, Never>?) in
            guard !state.items.isEmpty else { return (nil, nil) }
            defer { state.waitingForSpace = nil }
            return (state.items.removeFirst(), state.waitingForSpace)
        }
        waiter?.resume()
        return item
    }

    var count: Int { state.withLock { $0.items.count } }
}
