import Foundation
import NexusWire

/// What a role process said last before it failed, read back from its log, so that the
/// launcher's console names the cause of a crash ("worker 1 exited with status 1 (the
/// environment did not come back …)") rather than only its status: the cause was in
/// `logs/worker-1.log` while the console said nothing of it.
enum ChildLog {
    /// Each start writes a header line so (`ChildProcess`): "--- <date> nexus <arguments>".
    static func isStartHeader(_ line: Substring) -> Bool { line.hasPrefix("--- ") && line.contains(" nexus ") }

    /// The cause a line states, if it states one: a Swift role's last words (`Error: …`, the
    /// prefix dropped), a Python expert's refusal (`nexusrl expert: …`) or the last line of a
    /// Python traceback (`ValueError: …`).
    static func cause(in line: Substring) -> String? {
        if line.hasPrefix("Error: ") { return String(line.dropFirst("Error: ".count)).trimmingCharacters(in: .whitespaces) }
        if line.hasPrefix("nexusrl expert: ") { return String(line).trimmingCharacters(in: .whitespaces) }
        // An exception's name, as a traceback's last line starts: "module.SomeError: text".
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon]
        guard name.hasSuffix("Error") || name.hasSuffix("Exception") || name == "KeyboardInterrupt",
            name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
        else { return nil }
        return String(line).trimmingCharacters(in: .whitespaces)
    }

    /// The last cause stated since the newest start header; nil when that start stated none.
    static func lastError(in text: Substring) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        for line in lines.reversed() {
            if isStartHeader(line) { return nil }
            if let cause = cause(in: line) { return cause }
        }
        return nil
    }

    /// The same for the log at `path` (read once, when its role has exited), looking at most
    /// at its last `tailCharacters`.
    static func lastError(atPath path: String, tailCharacters: Int = 64 * 1024) -> String? {
        FileBytes.text(path).flatMap { lastError(in: $0.suffix(tailCharacters)) }
    }
}
