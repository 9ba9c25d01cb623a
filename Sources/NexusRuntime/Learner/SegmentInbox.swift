import NexusWire
import Synchronization

/// What arrived on the trajectory socket for the training loop: the receiving loop puts,
/// never waiting for training; the training loop takes everything between iterations.
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

    /// Adds `item`, first waiting while the inbox is full (one putter at a time).
    func put(_ item: Item) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let full = state.withLock { state -> Bool in
                guard state.items.count >= capacity else { return false }
                state.waitingForSpace = continuation
                return true
            }
            if !full { continuation.resume() }
        }
        state.withLock { $0.items.append(item) }
    }

    /// Everything that has arrived, oldest first; the putter waiting for space goes on.
    func takeAll() -> [Item] {
        let (items, waiter) = state.withLock { state -> ([Item], CheckedContinuation<Void, Never>?) in
            defer { state.items = []; state.waitingForSpace = nil }
            return (state.items, state.waitingForSpace)
        }
        waiter?.resume()
        return items
    }

    var count: Int { state.withLock { $0.items.count } }
}
