/// How long a test waits for an event, counted in time the test itself was running. Under
/// AddressSanitizer the suite's synchronous tests can hold every thread of the cooperative
/// pool for over a minute (78 s measured on 2 cores): a waiter that reads the wall clock
/// wakes after its deadline without the awaited task having run once. Each pass of a wait
/// loop counts as at most `slice`, so a starved pass costs a slice, not the whole budget;
/// a condition that never holds still ends the wait, later under starvation only.
public struct Patience: Sendable {
    private let budget: Duration
    private let slice: Duration
    private var spent: Duration = .zero
    private var last: ContinuousClock.Instant

    public init(seconds: Double, slice: Duration = .seconds(5), from start: ContinuousClock.Instant = .now) {
        budget = .seconds(seconds)
        self.slice = slice
        last = start
    }

    /// Counts the time since the previous call (at most a slice); true while some is left.
    public mutating func remains(at now: ContinuousClock.Instant = .now) -> Bool {
        spent += min(now - last, slice)
        last = now
        return spent < budget
    }
}
