import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Opens a plain TCP connection (no ZeroMQ) to 127.0.0.1 and writes raw bytes, as a confused
/// or hostile client would, then closes it (`linger`: how long it stays open first).
public func sendRawTCP(port: Int, bytes: [UInt8], linger: useconds_t = 50_000) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    if linger > 0 { usleep(linger) }
}
