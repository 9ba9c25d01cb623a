/// Polls `condition` every `interval` until it holds or `seconds` of `Patience` pass; returns
/// whether it held. Sleeps with `Task.sleep`, so no thread of the cooperative pool is blocked.
@discardableResult
public func eventually(seconds: Double = 30, every interval: Duration = .milliseconds(10), _ condition: () -> Bool) async -> Bool {
    var patience = Patience(seconds: seconds)
    while patience.remains() {
        if condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return condition()
}
