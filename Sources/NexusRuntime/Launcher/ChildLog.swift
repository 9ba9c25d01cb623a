import Foundation

/// What a role process said last before it failed, read back from its log, so that the
/// launcher's console names the cause of a crash ("worker 1 exited with status 1 (the
/// environment did not come back …)") rather than only its status: the cause was in
/// `logs/worker-1.log` while the console said nothing of it.
enum ChildLog {
    /// Each start writes a header line beginning so (`ChildProcess`).
    static let startHeader = "--- "
    static let errorPrefix = "Error: "

    /// The last line beginning `Error: ` since the newest start header, without the prefix;
    /// nil when that start wrote none.
    static func lastError(in text: Substring) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        for line in lines.reversed() {
            if line.hasPrefix(startHeader) { return nil }
            if line.hasPrefix(errorPrefix) { return String(line.dropFirst(errorPrefix.count)).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The same for the log at `path`, reading at most its last `tailBytes`.
    static func lastError(atPath path: String, tailBytes: Int = 64 * 1024) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        try? handle.seek(toOffset: size > UInt64(tailBytes) ? size - UInt64(tailBytes) : 0)
        guard let data = try? handle.readToEnd() else { return nil }
        return lastError(in: Substring(String(decoding: data, as: UTF8.self)))
    }
}
