import Foundation
import Testing

@testable import NexusTransport

#if canImport(Glibc)
import Glibc
#endif

/// The private channel to a child process (a `gym:` environment's server): whole frames
/// however the bytes arrive, bounded waits, a peer that closes or talks nonsense named.
@Suite("Framed Unix socket")
struct FramedUnixSocketTests {
    /// A peer as the Python server is one: a plain blocking Unix socket, connected to `path`.
    final class RawPeer: @unchecked Sendable {  // a descriptor; the tests write from one thread at a time
        let descriptor: Int32

        init(connectingTo path: String) throws {
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard connected == 0 else { throw FramedSocketError.system("connect", errno) }
        }

        func write(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
                precondition(count > 0)
                offset += count
            }
        }

        func read(_ count: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var offset = 0
            while offset < count {
                let got = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + offset, count - offset) }
                precondition(got > 0)
                offset += got
            }
            return bytes
        }

        deinit { close(descriptor) }
    }

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { Array($0) } + payload
    }

    func listener() throws -> FramedUnixListener {
        try FramedUnixListener(path: NSTemporaryDirectory() + "nexus-framed-\(UUID().uuidString.prefix(8))")
    }

    @Test("a frame sent is read whole by the peer, and the peer's frames arrive whole: several in one write, one split over many, one empty")
    func framesWhole() throws {
        let listener = try listener()
        let peer = try RawPeer(connectingTo: listener.path)
        let connection = try #require(try listener.accept(timeout: 5))
        try connection.send(Array("hello".utf8), timeout: 5)
        #expect(peer.read(9) == Self.frame(Array("hello".utf8)))

        let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        peer.write(Self.frame([1, 2, 3]) + Self.frame([]) + Self.frame(big))
        #expect(try connection.receive(timeout: 5, limit: 1 << 20) == [1, 2, 3])
        #expect(try connection.receive(timeout: 5, limit: 1 << 20) == [])
        #expect(try connection.receive(timeout: 5, limit: 1 << 20) == big)
    }

    @Test("a frame that has not arrived whole is not returned: the wait ends with nil, and the bytes count towards the next call")
    func partialFrameKept() throws {
        let listener = try listener()
        let peer = try RawPeer(connectingTo: listener.path)
        let connection = try #require(try listener.accept(timeout: 5))
        #expect(try connection.receive(timeout: 0.05, limit: 100) == nil)
        let whole = Self.frame([9, 8, 7, 6])
        peer.write(Array(whole.prefix(3)))
        #expect(try connection.receive(timeout: 0.05, limit: 100) == nil)
        peer.write(Array(whole[3..<6]))
        #expect(try connection.receive(timeout: 0.05, limit: 100) == nil)
        peer.write(Array(whole[6...]))
        #expect(try connection.receive(timeout: 5, limit: 100) == [9, 8, 7, 6])
    }

    @Test("a spinning receive takes a frame that arrives while it spins or after, and a spin longer than the wait still ends with the wait")
    func spinningReceive() throws {
        let listener = try listener()
        let peer = try RawPeer(connectingTo: listener.path)
        let connection = try #require(try listener.accept(timeout: 5))
        // Nothing comes: the spin is cut to the wait, which ends with nil.
        #expect(try connection.receive(timeout: 0.02, limit: 100, spin: 10) == nil)
        // Already there, and arriving during a spin (a second thread writes it).
        peer.write(Self.frame([1]))
        #expect(try connection.receive(timeout: 1, limit: 100, spin: 0.001) == [1])
        let writer = Thread { usleep(200); peer.write(Self.frame([2, 3])) }
        writer.start()
        #expect(try connection.receive(timeout: 5, limit: 100, spin: 0.05) == [2, 3])
        // After the spin, asleep in poll, it is still woken by the frame.
        let late = Thread { usleep(50_000); peer.write(Self.frame([4])) }
        late.start()
        #expect(try connection.receive(timeout: 5, limit: 100, spin: 0.000_1) == [4])
    }

    @Test("a length past the limit, and a peer that closed, are errors that say so")
    func oversizedAndClosed() throws {
        let listener = try listener()
        var peer: RawPeer? = try RawPeer(connectingTo: listener.path)
        let connection = try #require(try listener.accept(timeout: 5))
        peer!.write(Self.frame([UInt8](repeating: 1, count: 101)))
        #expect(throws: FramedSocketError.oversized(length: 101, limit: 100)) { try connection.receive(timeout: 5, limit: 100) }

        let other = try self.listener()
        peer = try RawPeer(connectingTo: other.path)
        let second = try #require(try other.accept(timeout: 5))
        peer = nil
        #expect(throws: FramedSocketError.closed) { try second.receive(timeout: 5, limit: 100) }
        #expect(throws: FramedSocketError.closed) { try second.send([1], timeout: 5) }
    }

    @Test("no connection within the wait is nil; a path too long for a Unix socket is refused, naming the limit")
    func acceptAndPath() throws {
        let listener = try listener()
        #expect(try listener.accept(timeout: 0.05) == nil)
        #expect(FileManager.default.fileExists(atPath: listener.path))
        let long = NSTemporaryDirectory() + String(repeating: "x", count: 120)
        do {
            _ = try FramedUnixListener(path: long)
            Issue.record("a path of \(long.utf8.count) bytes was taken")
        } catch {
            #expect("\(error)".contains("at most 107 bytes"), "\(error)")
        }
    }

    @Test("a task that prefers a dedicated thread runs on that one thread across its suspensions; after stop, work still runs")
    func dedicatedThread() async throws {
        let executor = DedicatedThreadExecutor(name: "test-thread")
        let threads = try await withTaskExecutorPreference(executor) {
            var seen: Set<String> = []
            for _ in 0..<20 {
                seen.insert(Self.threadName())
                try await Task.sleep(for: .milliseconds(1))
            }
            return seen
        }
        #expect(await Task(executorPreference: executor) { Self.threadName() }.value == "test-thread")
        // That thread by its name, not merely one thread: a pool thread would be named otherwise.
        #expect(threads == ["test-thread"])
        executor.stop()
        let after = await withTaskExecutorPreference(executor) { 42 }
        #expect(after == 42)
    }

    /// The calling thread's name as the kernel has it.
    static func threadName() -> String {
        ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
