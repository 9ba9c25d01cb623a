import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A folder of this process in the temporary directory, `nexus-KIND-PID-…`: the sockets,
/// announcements and logs of the Python processes it starts. Folders of processes that no
/// longer run (SIGKILL leaves no chance to clean up) go when a new one is made.
struct ProcessFolder: Sendable {
    let path: String

    init(kind: String) throws {
        Self.removeFoldersOfDeadProcesses(kind: kind)
        path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-\(kind)-\(getpid())-\(UUID().uuidString.prefix(8))").path
        // Only this user reaches the sockets inside (a child's channel is accepted unchecked).
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The last line a process wrote to its log (ChildProcess's own `--- ` headers skipped),
    /// as " (its last words: …)", or "" when it wrote nothing.
    static func lastWords(of log: String) -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").last(where: { !$0.hasPrefix("--- ") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return "" }
        return " (its last words: \(line.prefix(500)))"
    }

    static func removeFoldersOfDeadProcesses(kind: String) {
        let temporary = FileManager.default.temporaryDirectory.path
        let prefix = "nexus-\(kind)-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: temporary + "/" + name) }
        }
    }
}
