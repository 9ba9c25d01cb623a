import Foundation
import NexusRuntime

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
        // Runs take up to minutes each: the latest metrics row is shown meanwhile (stderr).
        var progress = ProgressLine(to: .standardError)
        let title = describe(arguments)
        while process.isRunning {
            progress.show { String(format: "%@: %@: %@ (%.0f s)", label, title, latestRow(in: directory + "/metrics.csv"), Date().timeIntervalSince1970 - launched) }
            try await Task.sleep(for: .milliseconds(20))
        }
        progress.finish()
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: directory + "/summary.json")),
            let summary = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw EndToEndFailure(description: "\(label): nexus train \(arguments.joined(separator: " ")) wrote no summary (status \(process.terminationStatus))") }
        return (summary, launched)
    }

    /// "dagger on Pendulum-v1, seed 3" from the train arguments.
    static func describe(_ arguments: [String]) -> String {
        func value(_ flag: String) -> String? { arguments.firstIndex(of: flag).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil } }
        return "\(value("--algo") ?? "dagger") on \(value("--env") ?? "CartPole-v1")" + (value("--seed").map { ", seed \($0)" } ?? "")
    }

    /// The newest row of a metrics.csv as "iteration N, S env steps, return R".
    static func latestRow(in path: String) -> String {
        guard let row = (try? MetricsLog.rows(at: path))?.last else { return "starting" }
        let number = { (column: String, format: String) in row[column].map { String(format: format, $0) } ?? "—" }
        return "iteration \(number("iteration", "%.0f")), \(number("env_steps", "%.0f")) env steps, return \(number("eval_return_mean", "%.1f"))"
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A number of a summary (nil when absent or not a number; NaN stays NaN).
    func number(_ key: String) -> Double? { (self[key] as? NSNumber)?.doubleValue }
}
