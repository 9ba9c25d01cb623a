/// How long a worker's env round trip keeps reading for the reply before it sleeps. The reply
/// of a fast environment (a few MuJoCo copies: a few hundred microseconds) comes back sooner
/// than a sleeping thread wakes on this machine kind, so waiting awake for about the usual
/// reply time saves the wake-up on every step; a slow environment's reply is slept for, as
/// spinning through it would only burn a core. The usual time is a moving average of the
/// replies seen (each reply weighs `weight`).
///
/// Spinning is worth it only when the spinner has a core of its own while its Python server
/// steps on another, and the machine's other busy processes (a learner) have theirs
/// (`worthwhile`): on this 2-core VM, one bridge alone went from 0.83–0.85 to 0.93–0.96 of
/// SyncVectorEnv's rate on HalfCheetah-v5, but two workers spinning for Pendulum-v1 (a fast
/// step) lost 16 % to the servers they kept off the cores. So a `nexus train` worker here,
/// beside its learner, does not spin; `eval`, `demos record` and machines with cores to
/// spare do.
struct ReplySpin {
    /// Whether to spin at all (`worthwhile` for this machine and run).
    var enabled = true
    /// Never spin longer than this (seconds): only a core that is spare anyway spins.
    var ceiling = 0.002
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
        guard enabled, let typical, 2 * typical <= ceiling else { return 0 }
        return 2 * typical
    }

    /// `loops` stepping loops, each with its Python server, and `others` other busy processes
    /// (a learner) on `cores` cores: each loop and its server need two cores for a spinner
    /// never to stand in anyone's way.
    static func worthwhile(loops: Int, others: Int = 0, cores: Int) -> Bool { loops >= 1 && 2 * loops + others <= cores }
}
