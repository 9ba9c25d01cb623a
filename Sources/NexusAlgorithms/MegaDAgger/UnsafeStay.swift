/// How long MEGA-DAgger's safety fallback keeps handing a copy to the expert once the copy's
/// own state is inside the unsafe region.
///
/// The fallback is there to stop entries into the region (what `unsafe_events` counts). Inside
/// it, the lookahead sees danger on every step, so the expert drives, and labels, every step the
/// copy stays there. Where the expert leads the copy out (a pendulum whirled too fast, a cart
/// near its bound) that is a short rescue. Where nobody can (HalfCheetah-v5 on its back: v5 does
/// not end the episode, and the expert cannot right it), the expert drove every remaining step
/// of the episode, up to a thousand paid labels that prevent nothing: in the race of
/// 2026-12-07 a flip cost 250–750 labels, about a seed's whole budget to the target.
///
/// So after `limit` steps in a row inside, the fallback lets go of the copy until its state
/// leaves the region; the rest of the gate (disagreement's budgeted interventions, β's rows)
/// still applies there. A pure rule on what the copies' states are, step by step.
public struct UnsafeStay: Sendable, Equatable {
    /// Per copy: steps in a row its state has been inside the region, this one included.
    public private(set) var steps: [Int]
    /// Stays the fallback let go of so far (the worker logs it).
    public private(set) var released = 0

    public init(copies: Int) { steps = [Int](repeating: 0, count: copies) }

    /// One step: `inside` says, per copy, whether its state is in the unsafe region. Returns,
    /// per copy, whether the fallback has let go of it (its stay is past `limit`; 0: never).
    public mutating func observe(inside: [Bool], limit: Int) -> [Bool] {
        precondition(inside.count == steps.count, "one flag per copy")
        precondition(limit >= 0, "a limit is a number of steps ≥ 0")
        var letGo = [Bool](repeating: false, count: steps.count)
        for copy in steps.indices {
            steps[copy] = inside[copy] ? steps[copy] + 1 : 0
            guard limit > 0, steps[copy] > limit else { continue }
            letGo[copy] = true
            if steps[copy] == limit + 1 { released += 1 }
        }
        return letGo
    }
}
