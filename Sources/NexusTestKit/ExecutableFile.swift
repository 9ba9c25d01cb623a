import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to `path` as an executable (mode 755) through a descriptor that no other
/// program can keep: opened close-on-exec. A descriptor open for writing makes exec refuse the
/// file (ETXTBSY) for as long as anyone holds it, and FileManager's writes are not
/// close-on-exec: a process another test spawned while this one wrote inherited the descriptor
/// and held the test's interpreter wrapper busy past every retry (CI, 2026-12-06).
public func writeExecutable(_ text: String, to path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { throw POSIXError(count == 0 ? .EIO : POSIXErrorCode(rawValue: errno) ?? .EIO) }
        written += count
    }
    // open's mode is masked by the umask; the wrapper must be executable whatever it is.
    guard fchmod(descriptor, 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}
