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

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
