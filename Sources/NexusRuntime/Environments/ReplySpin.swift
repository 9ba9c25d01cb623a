/// How long a worker's env round trip keeps reading for the reply before it sleeps. The reply
/// of a fast environment (a few MuJoCo copies: a few hundred microseconds) comes back sooner
/// than a sleeping thread wakes on this machine kind, so waiting awake for about the usual
/// reply time saves the wake-up on every step; a slow environment's reply is slept for, as
/// spinning through it would only burn a core. The usual time is a moving average of the
/// replies seen (each reply weighs `weight`).
struct ReplySpin {
    /// Never spin longer than this (seconds).
    var ceiling = 0.001
    var weight = 0.1
    private(set) var typical: Double?

    /// A reply came `seconds` after its request.
    mutating func replied(after seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        typical = typical.map { $0 + weight * (seconds - $0) } ?? seconds
    }

    /// Seconds to spin for the next reply: twice the usual reply time while that fits under
    /// the ceiling, else none (and none before a reply has been seen).
    var seconds: Double {
        guard let typical, 2 * typical <= ceiling else { return 0 }
        return 2 * typical
    }
}
