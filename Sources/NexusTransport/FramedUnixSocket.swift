import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A private request/reply channel between this process and a child it started: a Unix
/// stream socket in a folder of its own, carrying frames of a 4-byte little-endian length and
/// that many bytes. The calls block (bounded by their timeouts): run them on a thread of
/// their own (`DedicatedThreadExecutor`). A round trip costs two system calls a side and no
/// helper threads, against ZeroMQ's four thread hand-offs (its I/O threads), which on a small
/// VM cost more than a MuJoCo step of eight copies.
public final class FramedUnixListener: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Listens at `path` (at most 107 bytes: the limit of a Unix socket's address).
    public init(path: String) throws {
        let bytes = Array(path.utf8)
        var address = sockaddr_un()
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw FramedSocketError.failed("a Unix socket's path is at most 107 bytes: \(path) has \(bytes.count) (set TMPDIR to a shorter directory)")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FramedSocketError.system("socket", errno) }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            let code = errno
            close(fd)
            throw FramedSocketError.system("bind/listen \(path)", code)
        }
        (self.path, descriptor) = (path, fd)
    }

    /// The next connection, or nil when none came within `timeout` seconds.
    public func accept(timeout: Double) throws -> FramedConnection? {
        guard try FramedConnection.wait(descriptor, for: Int16(POLLIN), timeout: timeout) else { return nil }
        let fd = Glibc.accept(descriptor, nil, nil)
        guard fd >= 0 else { throw FramedSocketError.system("accept", errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return FramedConnection(descriptor: fd)
    }

    deinit {
        close(descriptor)
        unlink(path)
    }
}

public enum FramedSocketError: Error, Equatable, CustomStringConvertible {
    case system(String, Int32)
    /// The peer closed its end (it exited or was killed).
    case closed
    case timedOut(seconds: Double)
    /// A frame longer than the reader accepts: the peer is not speaking this protocol.
    case oversized(length: Int, limit: Int)
    case failed(String)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .closed: return "the peer closed the connection"
        case .timedOut(let seconds): return "no frame within \(seconds) s"
        case .oversized(let length, let limit): return "a frame of \(length) bytes, more than the \(limit) accepted"
        case .failed(let text): return text
        }
    }
}

/// One accepted connection. Frames are read whole: a read that times out mid-frame keeps
/// what arrived for the next call.
public final class FramedConnection: Sendable {
    private let descriptor: Int32
    /// Bytes read past the last whole frame; only the thread doing I/O touches it.
    private let pending = Mutex<[UInt8]>([])
    private let isClosed = Atomic<Bool>(false)
    /// Where reads land before they join `pending` (used under its lock).
    private nonisolated(unsafe) let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)

    init(descriptor: Int32) {
        self.descriptor = descriptor
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    /// Writes one frame, waiting at most `timeout` seconds for room.
    public func send(_ payload: [UInt8], timeout: Double) throws {
        var frame = withUnsafeBytes(of: UInt32(payload.count).littleEndian) { Array($0) }
        frame += payload
        let deadline = ContinuousClock.now + .seconds(timeout)
        var offset = 0
        while offset < frame.count {
            let written = frame.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, frame.count - offset, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                offset += written
                continue
            }
            let code = errno
            if written < 0, code == EINTR { continue }
            if written < 0, code == EPIPE || code == ECONNRESET { throw FramedSocketError.closed }
            guard written < 0, code == EAGAIN || code == EWOULDBLOCK else { throw FramedSocketError.system("send", code) }
            let remaining = (deadline - ContinuousClock.now) / .seconds(1)
            guard remaining > 0, try Self.wait(descriptor, for: Int16(POLLOUT), timeout: remaining) else { throw FramedSocketError.timedOut(seconds: timeout) }
        }
    }

    /// The next frame's bytes, or nil when it did not arrive whole within `timeout` seconds;
    /// a frame longer than `limit` bytes throws (the connection is of no further use).
    /// `spin`: seconds to keep reading (yielding the core between tries) before sleeping in
    /// poll, for a reply expected that soon: waking a sleeping thread costs tens of
    /// microseconds here, a round trip's worth.
    public func receive(timeout: Double, limit: Int, spin: Double = 0) throws -> [UInt8]? {
        let now = ContinuousClock.now
        let deadline = now + .seconds(timeout)
        let spinUntil = now + .seconds(min(max(0, spin), timeout))
        return try pending.withLock { buffer -> [UInt8]? in
            while true {
                if buffer.count >= 4 {
                    let length = Int(buffer.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
                    guard length <= limit else { throw FramedSocketError.oversized(length: length, limit: limit) }
                    if buffer.count >= 4 + length {
                        let frame = Array(buffer[4..<(4 + length)])
                        buffer.removeFirst(4 + length)
                        return frame
                    }
                }
                let count = read(descriptor, scratch.baseAddress!, scratch.count)
                if count > 0 {
                    buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
                    continue
                }
                if count == 0 { throw FramedSocketError.closed }
                let code = errno
                if code == EINTR { continue }
                guard code == EAGAIN || code == EWOULDBLOCK else { throw FramedSocketError.system("read", code) }
                if ContinuousClock.now < spinUntil {
                    sched_yield()
                    continue
                }
                let remaining = (deadline - ContinuousClock.now) / .seconds(1)
                guard remaining > 0, try Self.wait(descriptor, for: Int16(POLLIN), timeout: remaining) else { return nil }
            }
        }
    }

    /// Ends the connection both ways (a read or write under way on another thread returns);
    /// the descriptor itself is released with this object, so its number cannot be reused
    /// while such a call still holds it.
    public func close() {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    deinit {
        Glibc.close(descriptor)
        scratch.deallocate()
    }

    /// Whether `descriptor` became ready for `events` within `timeout` seconds.
    static func wait(_ descriptor: Int32, for events: Int16, timeout: Double) throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(max(0, timeout))
        while true {
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let milliseconds = Int32(min(Double(Int32.max), max(0, ((deadline - ContinuousClock.now) / .seconds(1)) * 1000).rounded(.up)))
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return true }
            if ready == 0 { return false }
            if errno != EINTR { throw FramedSocketError.system("poll", errno) }
        }
    }
}
