import Foundation
import NexusRuntime

/// What a report reads of one run directory: its configuration, `summary.json` (if the run
/// ended) and the rows of `metrics.csv`.
public struct RunRecord {
    public let path: String
    public var name: String
    public let config: RunConfig
    public let summary: [String: Any]
    /// One dictionary per metrics row; empty cells (not measured yet) are absent.
    public let rows: [[String: Double]]

    public static func load(_ path: String) throws -> RunRecord {
        let run = try RunDirectory(path: path, create: false)
        guard FileManager.default.fileExists(atPath: run.metrics) else { throw ReportError("\(path) has no metrics.csv: not a Nexus run directory, or no iteration finished yet") }
        let config = try ConfigLoader.load(file: run.config)
        let summary = FileManager.default.fileExists(atPath: run.summary) ? try JSONFile.read(run.summary) : [:]
        return RunRecord(path: path, name: (path as NSString).lastPathComponent, config: config, summary: summary, rows: try MetricsLog.rows(at: run.metrics))
    }

    /// (x, y) of every row that has both.
    func points(_ x: String, _ y: String) -> [(Double, Double)] {
        rows.compactMap { row in
            guard let a = row[x], let b = row[y], a.isFinite, b.isFinite else { return nil }
            return (a, b)
        }
    }

    /// Expert queries per 1,000 env steps between consecutive rows, at the later row's steps.
    var queryRate: [(Double, Double)] {
        let counts = points("env_steps", "expert_queries")
        return zip(counts, counts.dropFirst()).compactMap { previous, current in
            let steps = current.0 - previous.0
            return steps > 0 ? (current.0, 1000 * (current.1 - previous.1) / steps) : nil
        }
    }

    /// Env steps per second against wall time: the learner's column, else derived from rows.
    var throughput: [(Double, Double)] {
        // Offline algorithms (BC) step no environment: nothing to draw.
        guard rows.contains(where: { ($0["env_steps"] ?? 0) > 0 }) else { return [] }
        let measured = points("wall_seconds", "env_steps_per_second")
        if !measured.isEmpty { return measured }
        let steps = points("wall_seconds", "env_steps")
        return zip(steps, steps.dropFirst()).compactMap { previous, current in
            let seconds = current.0 - previous.0
            return seconds > 0 ? (current.0, (current.1 - previous.1) / seconds) : nil
        }
    }

    func number(_ key: String) -> Double? { (summary[key] as? NSNumber)?.doubleValue }

    /// The environment and its arguments ("Pendulum-v1 (g=12)"): runs of one task share an
    /// expert, a target and a group of charts.
    var task: String {
        let kwargs = config.envKwargs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return kwargs.isEmpty ? config.env : "\(config.env) (\(kwargs.joined(separator: ", ")))"
    }
}

public struct ReportError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
