import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A role process tied to the launcher that started it.
public enum ParentWatch {
    /// For a role started by the launcher: its standard input is a pipe the launcher holds
    /// open, so when the launcher dies (even by SIGKILL) the read sees end-of-file and the
    /// role stops (`stop`), then exits outright if it has not after `graceSeconds`. A pipe
    /// rather than PR_SET_PDEATHSIG, which fires when the spawning *thread* ends.
    public static func stopWhenStandardInputCloses(_ stop: StopSignal, graceSeconds: Double) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 256)
            while true {
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count == 0 || (count < 0 && errno != EINTR) { break }
            }
            stop.trigger("launcher gone")
            Thread.sleep(forTimeInterval: graceSeconds)
            FileHandle.standardError.write(Data("nexus: launcher gone and still running after \(graceSeconds) s; exiting\n".utf8))
            exit(3)
        }
        thread.start()
    }
}
