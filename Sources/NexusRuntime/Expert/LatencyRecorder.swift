/// The most recent latencies (a fixed ring), for p50/p99 without unbounded memory.
struct LatencyRecorder: Sendable {
    private var samples: [Double] = []
    private var next = 0
    private let capacity: Int

    init(capacity: Int = 8192) { self.capacity = capacity }

    mutating func record(_ seconds: Double) {
        if samples.count < capacity {
            samples.append(seconds)
        } else {
            samples[next] = seconds
            next = (next + 1) % capacity
        }
    }

    /// The q-quantile (0…1) of the recorded samples, NaN when there are none.
    func quantile(_ q: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
    }
}
