#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file with open(2)/read(2): the one place Nexus reads files it then decodes.
/// Foundation's readers (`FileManager.contents`, `Data(contentsOf:)`) leaked a 4 KiB buffer
/// under LeakSanitizer for some files (empty, torn, growing), which fails the leak check.
public enum FileBytes {
    /// The file's bytes; the error says the path and the system's reason.
    public static func read(_ path: String, limit: Int = Int.max) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileBytesError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileBytesError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw FileBytesError("\(path) is larger than \(limit) bytes") }
            bytes += chunk[0..<count]
        }
    }
}

extension FileBytes {
    /// The file as UTF-8 text (invalid bytes replaced), nil if it cannot be read: for logs and
    /// CSV files that another process may be appending to.
    public static func text(_ path: String) -> String? {
        (try? read(path)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The file's size in bytes, nil if it does not exist.
    public static func size(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }
}

/// A file that could not be read, naming the path and the reason.
public struct FileBytesError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
