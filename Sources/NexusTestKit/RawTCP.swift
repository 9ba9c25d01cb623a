import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Opens a plain TCP connection (no ZeroMQ) to 127.0.0.1 and writes raw bytes, as a confused
/// or hostile client would, then closes it (`linger`: how long it stays open first).
public func sendRawTCP(port: Int, bytes: [UInt8], linger: useconds_t = 50_000) throws {
    let fd = try loopbackSocket()
    defer { close(fd) }
    guard withLoopbackAddress(port: port, { address, length in connect(fd, address, length) == 0 }).result else { throw POSIXError(.ECONNREFUSED) }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    if linger > 0 { usleep(linger) }
}

/// A loopback TCP port nobody listens on now, with `following` free ports after it (a run's
/// experts serve `/metrics` on the ports after the learner's). The kernel picks the first one;
/// it could be taken again before the caller binds it, which tests accept.
public func freeTCPPort(following: Int = 0) throws -> Int {
    for _ in 0..<50 {
        let held = try listenOnFreeTCPPort()
        close(held.descriptor)
        if held.port + following <= 65535, try (0..<following).allSatisfy({ try isFree(port: held.port + 1 + $0) }) { return held.port }
    }
    throw POSIXError(.EADDRINUSE)
}

/// A free loopback port below the kernel's ephemeral range (with `following` free ports after
/// it), for a server that clients connect to before it listens: a client retrying a port in
/// the ephemeral range can be given that same port as its source and connect to itself
/// (TCP's simultaneous open), a ZeroMQ DEALER then talking to itself for good while the
/// server binds beside it (SO_REUSEADDR).
public func freeTCPPortBelowEphemeralRange(following: Int = 0) throws -> Int {
    let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
        .split(whereSeparator: \.isWhitespace).compactMap { Int($0) } ?? [32768]
    let ceiling = max(10_000, (range.first ?? 32768) - following - 1)
    for _ in 0..<200 {
        let port = Int.random(in: 10_000..<ceiling)
        if try (0...following).allSatisfy({ try isFree(port: port + $0) }) { return port }
    }
    throw POSIXError(.EADDRINUSE)
}

/// A loopback port held by a listening socket until `close` is called on the descriptor: a
/// port some other program took.
public func listenOnFreeTCPPort() throws -> (port: Int, descriptor: Int32) {
    let fd = try loopbackSocket()
    let (listening, port) = withLoopbackAddress(port: 0) { address, length in
        bind(fd, address, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, address, &length) == 0
    }
    guard listening else {
        close(fd)
        throw POSIXError(.EADDRINUSE)
    }
    return (port, fd)
}

private func isFree(port: Int) throws -> Bool {
    let fd = try loopbackSocket()
    defer { close(fd) }
    return withLoopbackAddress(port: port) { address, length in bind(fd, address, length) == 0 }.result
}

private func loopbackSocket() throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    return fd
}

/// 127.0.0.1:`port` as a `sockaddr` for `body`, and the port the address holds afterwards
/// (what `getsockname` wrote, for port 0).
private func withLoopbackAddress<R>(port: Int, _ body: (UnsafeMutablePointer<sockaddr>, inout socklen_t) -> R) -> (result: R, port: Int) {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let result = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, &length) } }
    return (result, Int(UInt16(bigEndian: address.sin_port)))
}
