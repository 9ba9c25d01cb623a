import Foundation
import NexusWire

/// `metrics.csv`: one row per learner iteration. The columns are fixed by the first row
/// (the common ones, then the algorithm's losses); a resumed run appends to the same file.
public final class MetricsLog {
    public static let leadingColumns = ["iteration", "wall_seconds", "env_steps", "expert_queries", "unsafe_events", "policy_version"]
    public static let trailingColumns = ["eval_return_mean", "eval_return_std"]
    private let path: String
    private var columns: [String]?

    public init(path: String) {
        self.path = path
        if let text = try? String(contentsOfFile: path, encoding: .utf8), let header = text.split(separator: "\n").first {
            columns = header.split(separator: ",").map(String.init)
        }
    }

    public func append(_ values: [(String, Double)]) throws {
        if columns == nil {
            let middle = values.map(\.0).filter { !Self.leadingColumns.contains($0) && !Self.trailingColumns.contains($0) }
            let header = Self.leadingColumns + middle + Self.trailingColumns
            columns = header
            try AtomicFile.write(header.joined(separator: ",") + "\n", to: path)
        }
        let lookup = Dictionary(values, uniquingKeysWith: { $1 })
        let row = columns!.map { lookup[$0].map(Self.format) ?? "" }.joined(separator: ",") + "\n"
        guard let handle = FileHandle(forWritingAtPath: path) else { throw RuntimeError("cannot open \(path) for appending") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(row.utf8))
    }

    /// A resumed learner continues from its checkpoint's iteration: rows past it (written
    /// before a crash, to be trained again) and a row cut short by the crash are removed, so
    /// the file holds each iteration once. Rewritten atomically, and only when something goes.
    public static func rewind(_ path: String, toIteration iteration: Int) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(path) } catch let error as FileBytesError { throw RuntimeError(error.description) }
        let text = String(decoding: bytes, as: UTF8.self)
        let kept = rewound(text, toIteration: iteration)
        if kept != text { try AtomicFile.write(Array(kept.utf8), to: path) }
    }

    /// `text` without the rows past `iteration` and without an unfinished last line.
    static func rewound(_ text: String, toIteration iteration: Int) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // The text after the last newline is a row the crash cut short (or nothing).
        lines.removeLast()
        guard let header = lines.first else { return "" }
        let column = header.split(separator: ",").firstIndex(of: "iteration") ?? 0
        let rows = lines.dropFirst().filter { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count > column, let value = Double(cells[column]) else { return false }
            return value <= Double(iteration)
        }
        return ([header] + rows).map { $0 + "\n" }.joined()
    }

    /// The rows of the file at `path` (the report, a benchmark's progress): one dictionary per
    /// row, empty cells (not measured yet) left out.
    public static func rows(at path: String) throws -> [[String: Double]] {
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(path) } catch let error as FileBytesError { throw RuntimeError(error.description) }
        return try parse(String(decoding: bytes, as: UTF8.self), source: path)
    }

    static func parse(_ text: String, source: String) throws -> [[String: Double]] {
        var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard !lines.isEmpty else { throw RuntimeError("\(source) is empty") }
        let header = lines.removeFirst()
        return try lines.enumerated().map { index, cells in
            guard cells.count == header.count else { throw RuntimeError("\(source) line \(index + 2) has \(cells.count) cells for \(header.count) columns") }
            var row: [String: Double] = [:]
            for (column, cell) in zip(header, cells) where !cell.isEmpty {
                guard let value = Double(cell) else { throw RuntimeError("\(source) line \(index + 2): \(column) = \"\(cell)\" is not a number") }
                row[column] = value
            }
            return row
        }
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
