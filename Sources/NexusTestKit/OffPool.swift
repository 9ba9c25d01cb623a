import Foundation

/// Runs CPU-heavy test work on a thread of its own. Swift Testing runs tests in parallel on
/// the cooperative pool (as many threads as cores: two here); a synchronous test that
/// computes for seconds holds a pool thread all that time, and socket tests waiting to be
/// resumed starve (seen: 30 s waits timing out while learning tests ran).
public func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
