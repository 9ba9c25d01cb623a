import Foundation

extension Process {
    /// `run()`, again after a moment while the executable is busy (ETXTBSY): a script written
    /// just before is held open for writing by any process forked meanwhile (between its fork
    /// and its exec), and exec refuses it until that one has exec'd. Seen in CI: a test's
    /// freshly written interpreter wrapper, while other tests started processes.
    public func runRetryingBusyExecutable(attempts: Int = 8) throws {
        var wait = 0.01
        for attempt in 1... {
            do {
                return try run()
            } catch let error as NSError {
                let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError
                guard attempt < attempts, underlying?.domain == NSPOSIXErrorDomain, underlying?.code == Int(ETXTBSY) else { throw error }
                Thread.sleep(forTimeInterval: wait)
                wait *= 2
            }
        }
    }
}
