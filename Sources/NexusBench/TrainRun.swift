import Foundation

/// One `nexus train` launched by a benchmark (the whole local cluster, start-up included), in
/// a temporary run directory removed afterwards; gives its `summary.json`.
struct TrainRun {
    /// Launches `nexus train ARGUMENTS --run-dir TMP`, waits without blocking a thread, and
    /// returns the summary with the launch time (Unix seconds).
    static func summary(executable: URL, arguments: [String], label: String) async throws -> (summary: [String: Any], launched: Double) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-bench-\(label)-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["train"] + arguments + ["--run-dir", directory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = Pipe()
        let launched = Date().timeIntervalSince1970
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: directory + "/summary.json")),
            let summary = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw EndToEndFailure(description: "\(label): nexus train \(arguments.joined(separator: " ")) wrote no summary (status \(process.terminationStatus))") }
        return (summary, launched)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A number of a summary (nil when absent or not a number; NaN stays NaN).
    func number(_ key: String) -> Double? { (self[key] as? NSNumber)?.doubleValue }
}
