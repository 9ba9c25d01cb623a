/// Polls `condition` every `interval` until it holds or `seconds` pass; returns whether it
/// held. Sleeps with `Task.sleep`, so no thread of the cooperative pool is blocked.
@discardableResult
public func eventually(seconds: Double = 30, every interval: Duration = .milliseconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return condition()
}
