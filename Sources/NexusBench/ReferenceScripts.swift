import Foundation

/// The repository's `tools/` scripts (the reference libraries' side of a bench) and how a
/// bench runs a command to its end.
enum ReferenceScripts {
    /// Where a script is: next to the sources this binary was built from.
    static func path(_ name: String) -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("tools").appendingPathComponent(name).path
    }

    struct Finished {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs a command to its end: its standard output, and its standard error (kept in a
    /// file, so that neither pipe can fill and stall it).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Finished {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let errorsPath = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-bench-stderr-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: errorsPath, contents: nil), let errors = FileHandle(forWritingAtPath: errorsPath) else {
            throw EndToEndFailure(description: "cannot write \(errorsPath)")
        }
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        let output = Pipe()
        (process.standardOutput, process.standardError, process.standardInput) = (output, errors, FileHandle.nullDevice)
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errors.close()
        let errorText = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
        return Finished(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self), errors: errorText)
    }

    /// Throws, with the last lines of its standard error, unless the command succeeded.
    static func check(_ result: Finished, what: String) throws {
        guard result.status == 0 else {
            throw EndToEndFailure(description: "\(what) failed (status \(result.status)): \(result.errors.split(separator: "\n").suffix(5).joined(separator: "\n"))")
        }
    }

    /// Runs `script` (in `tools/`) with `python` and reads the JSON object its last line prints.
    static func result(of script: String, python: String, _ arguments: [String], environment: [String: String] = [:], what: String) throws -> [String: Any] {
        let finished = try run(python, [path(script)] + arguments, environment: environment)
        try check(finished, what: what)
        guard let line = finished.output.split(separator: "\n").last,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw EndToEndFailure(description: "\(what) printed no JSON result") }
        return object
    }

    /// A number of a script's result, or an error naming it.
    static func number(_ key: String, in result: [String: Any], what: String) throws -> Double {
        guard let value = (result[key] as? NSNumber)?.doubleValue else { throw EndToEndFailure(description: "\(what) printed no \(key)") }
        return value
    }
}
