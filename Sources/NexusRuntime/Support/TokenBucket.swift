/// A rate limit: up to `capacity` tokens, refilled at `refillPerSecond`. Each costly answer
/// to an unauthenticated request (a weights-sized welcome) takes one.
struct TokenBucket {
    let capacity: Double
    let refillPerSecond: Double
    private var tokens: Double
    private var refilled: ContinuousClock.Instant

    init(capacity: Double, refillPerSecond: Double, now: ContinuousClock.Instant = .now) {
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        tokens = capacity
        refilled = now
    }

    /// Takes a token if one is there.
    mutating func take(at now: ContinuousClock.Instant = .now) -> Bool {
        tokens = min(capacity, tokens + (now - refilled) / .seconds(1) * refillPerSecond)
        refilled = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
