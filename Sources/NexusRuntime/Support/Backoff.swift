/// Exponential backoff between retries: initial, doubling, capped.
public struct Backoff: Sendable {
    public let initial: Double
    public let maximum: Double
    public private(set) var current: Double

    public init(initial: Double, maximum: Double) {
        self.initial = initial
        self.maximum = maximum
        current = initial
    }

    /// The delay to wait now; the next one is twice as long (up to the cap).
    public mutating func next() -> Double {
        defer { current = min(maximum, current * 2) }
        return current
    }

    public mutating func reset() { current = initial }
}
