import Foundation

extension Process {
    /// `run()`, again after a moment while the start fails for a passing reason: the executable
    /// is busy (ETXTBSY: a script written just before is held open for writing by any process
    /// forked meanwhile, between its fork and its exec, and exec refuses it until that one has
    /// exec'd; seen in CI with a test's freshly written interpreter wrapper while other tests
    /// started processes), or the system is short of processes for a moment (EAGAIN). The
    /// waits double from 10 ms: 11 attempts wait up to 20 s in all, on a loaded machine.
    public func runRetryingBusyExecutable(attempts: Int = 11) throws {
        var wait = 0.01
        for attempt in 1... {
            do {
                return try run()
            } catch let error as NSError {
                guard attempt < attempts, let code = error.systemErrorCode, code == ETXTBSY || code == EAGAIN else { throw error }
                Thread.sleep(forTimeInterval: wait)
                wait *= 2
            }
        }
    }
}

extension Error {
    /// The errno behind a Foundation error, where it has one.
    var systemErrorCode: Int32? {
        ((self as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? Int32($0.code) : nil }
    }

    /// Foundation's description of a failed start ("The operation could not be completed")
    /// with the system's reason beside it ("Text file busy"), which it leaves out.
    public var startFailureReason: String {
        guard let code = systemErrorCode else { return localizedDescription }
        return "\(localizedDescription) (\(String(cString: strerror(code))), errno \(code))"
    }
}
