import Foundation

import NexusErrors

#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that a reader (or a crash) sees either the old or the new content, never
/// a mix: temp file in the same directory, fsync, rename, fsync the directory. Checkpoints,
/// demonstration files, summaries and announcements are all written this way. `durable:
/// false` skips the fsyncs (still all or nothing for readers): for files made again at every
/// start, where two fsyncs cost a process start milliseconds and a crash loses nothing.
public enum AtomicFile {
    public static func write(_ bytes: some Collection<UInt8>, to path: String, durable: Bool = true) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw failure("create", temporary) }
        let data = Array(bytes)
        var written = 0
        while written < data.count {
            let result = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, data.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure("write", temporary)
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += result
        }
        guard !durable || fsync(descriptor) == 0 else {
            let error = failure("fsync", temporary)
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure("rename", path) }
        let directoryDescriptor = durable ? open(directory.isEmpty ? "." : directory, O_RDONLY) : -1
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    public static func write(_ text: String, to path: String, durable: Bool = true) throws { try write(Array(text.utf8), to: path, durable: durable) }

    private static func failure(_ call: String, _ path: String) -> AtomicFileError {
        AtomicFileError("\(call) \(path): \(String(cString: strerror(errno)))")
    }
}

/// A file that could not be written, naming the call and the path.
public typealias AtomicFileError = DescribedError<AtomicFileProblem>
public enum AtomicFileProblem {}
