import Foundation
import NexusAlgorithms
import NexusEnvironments
import NexusRuntime

/// `nexus report`: one self-contained HTML page (inline SVG and CSS, nothing fetched) with the
/// runs' learning curves against env steps, expert queries and wall time (runs overlaid, one
/// group of charts per environment, the expert's return and the target as dashed lines),
/// throughput and query rate, and the summary table.
public enum ReportPage {
    /// Tableau's ten colours: distinct in print and for common colour blindness.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
    static let expertColor = "#333333", targetColor = "#d62728"

    /// Loads the runs and evaluates each environment's expert (`expertEpisodes` episodes, as
    /// the run configured it: the built-in expert with its env_kwargs, or its expert.policy).
    /// A directory without metrics.csv (a run refused or stopped before its first iteration)
    /// is left out and named in `skipped`, so `nexus report runs/*` draws the others.
    public static func build(runDirectories: [String], expertEpisodes: Int = 20, generated: Date = Date()) throws -> (page: String, skipped: [String]) {
        guard !runDirectories.isEmpty else { throw ReportError("name at least one run directory") }
        var skipped: [String] = []
        var runs: [RunRecord] = []
        for path in runDirectories {
            let run = try RunDirectory(path: path, create: false)
            guard FileManager.default.fileExists(atPath: run.metrics) else {
                skipped.append("\(path): no metrics.csv (no iteration finished, or not a run directory)")
                continue
            }
            runs.append(try RunRecord.load(path))
        }
        guard !runs.isEmpty else { throw ReportError("nothing to report: \(skipped.joined(separator: "; "))") }
        // Same-named directories (runs/a/x, runs/b/x) get their parent's name too.
        for index in runs.indices where runs.filter({ $0.name == runs[index].name }).count > 1 {
            runs[index].name = ((runs[index].path as NSString).deletingLastPathComponent as NSString).lastPathComponent + "/" + runs[index].name
        }
        var expertReturns: [String: Double] = [:]
        // A gym: environment has no built-in expert to draw (and steps only in Python).
        for run in runs where expertReturns[run.task] == nil && !GymEnvironmentID.isGym(run.config.env) {
            let type = try EnvironmentRegistry.type(for: run.config.env)
            let arguments = try run.config.environmentArguments
            let expert = try ExpertSource.make(envID: run.config.env, policyFile: run.config.expert.policy, arguments: arguments)
            expertReturns[run.task] = Evaluation.run(type, episodes: expertEpisodes, seed: 1_000_003, arguments: arguments, expert: expert).meanReturn
        }
        return (html(runs: runs, expertReturns: expertReturns, generated: generated, skipped: skipped), skipped)
    }

    /// `expertReturns`: by task (`RunRecord.task`: the environment and its env_kwargs).
    static func html(runs: [RunRecord], expertReturns: [String: Double], generated: Date, skipped: [String] = []) -> String {
        let colors = Dictionary(uniqueKeysWithValues: runs.enumerated().map { ($1.path, palette[$0 % palette.count]) })
        var body = "<h1>Nexus report</h1>\n<p class=\"meta\">\(runs.count) run\(runs.count == 1 ? "" : "s"), generated \(escape(ISO8601DateFormatter().string(from: generated)))</p>\n"
        // One group of charts per task: runs of one environment with other env_kwargs (Pendulum
        // at g=10 and g=12) have other experts and returns, so they are not drawn together.
        for task in ordered(runs.map(\.task)) {
            let group = runs.filter { $0.task == task }
            let target = group[0].number("target_return") ?? group[0].config.targetReturn
            // A run without a target (null in its summary) draws no target line.
            var references = RunConfig.hasTarget(target) ? [LineChart.ReferenceLine(label: "target \(LineChart.label(target))", value: target, color: targetColor)] : []
            if let expert = expertReturns[task] { references.insert(.init(label: "expert \(LineChart.label(expert.rounded()))", value: expert, color: expertColor), at: 0) }
            body += "<h2>\(escape(task))</h2>\n"
            body += figure(group, colors, title: "Return against env steps", x: "env steps", y: "evaluation return", references: references) { $0.points("env_steps", "eval_return_mean") }
            body += figure(group, colors, title: "Return against expert queries", x: "expert queries", y: "evaluation return", references: references) { $0.points("expert_queries", "eval_return_mean") }
            body += figure(group, colors, title: "Return against wall time", x: "wall seconds", y: "evaluation return", references: references) { $0.points("wall_seconds", "eval_return_mean") }
            body += figure(group, colors, title: "Throughput", x: "wall seconds", y: "env steps per second", missing: Self.rateMissing) { $0.throughput }
            body += figure(group, colors, title: "Expert query rate", x: "env steps", y: "expert queries per 1,000 env steps", missing: Self.rateMissing) { $0.queryRate }
        }
        body += "<h2>Summary</h2>\n" + summaryTable(runs, colors)
        if !skipped.isEmpty {
            body += "<p class=\"note\">Left out: " + skipped.map(escape).joined(separator: "; ") + "</p>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Nexus report</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
        h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; }
        .meta, .note { color: #666; } figure { margin: 12px 0 20px; }
        .chart .title { font-weight: 600; font-size: 14px; } .chart .tick, .chart .axis { font-size: 11px; fill: #444; }
        .chart .grid { stroke: #eee; } .chart .frame { fill: none; stroke: #999; }
        .chart .curve { fill: none; stroke-width: 2; } .chart .reference { stroke-width: 1.5; stroke-dasharray: 6 4; }
        .legend { list-style: none; padding: 0; margin: 4px 0; } .legend li { display: inline-block; margin-right: 16px; }
        .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
        .summary { max-width: 100%; overflow-x: auto; }
        table { border-collapse: collapse; font-size: 12px; } th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; }
        th { font-weight: 600; vertical-align: bottom; } td.finish { text-align: left; min-width: 9em; }
        th:first-child, td:first-child { text-align: left; overflow-wrap: anywhere; max-width: 16em; }
        </style></head>
        <body>
        \(body)</body></html>

        """
    }

    /// Why a run has no rate to draw: no env steps at all (bc), or too few rows for a rate.
    static func rateMissing(_ run: RunRecord) -> String {
        run.rows.contains { ($0["env_steps"] ?? 0) > 0 } ? "one row: a rate needs two" : "no environment steps"
    }

    /// One chart of the runs that have a curve for it (a run of one point is drawn as a
    /// marker, and said so); the others are named below it with the reason.
    static func figure(
        _ runs: [RunRecord], _ colors: [String: String], title: String, x: String, y: String, references: [LineChart.ReferenceLine] = [],
        missing reason: ((RunRecord) -> String)? = nil, points: (RunRecord) -> [(Double, Double)]
    ) -> String {
        let drawn = runs.map { ($0, points($0)) }.filter { run, points in !points.isEmpty && Set(points.map(\.0)).count > 1 || points.count == 1 && run.rows.count == 1 }
        let missing = runs.filter { run in !drawn.contains { $0.0.path == run.path } }
        guard !drawn.isEmpty else {
            return "<p class=\"note\">\(escape(title)): no run has data for it (\(escape(missing.map { "\($0.name): \(reason?($0) ?? "no \(x)")" }.joined(separator: "; ")))).</p>\n"
        }
        let chart = LineChart(title: title, xLabel: x, yLabel: y, series: drawn.map { .init(name: $0.0.name, color: colors[$0.0.path]!, points: $0.1) }, references: references)
        var html = "<figure>\n" + chart.svg() + "\n<ul class=\"legend\">"
        html += drawn.map { run, points in
            "<li><span class=\"swatch\" style=\"background:\(colors[run.path]!)\"></span>\(escape(run.name)) (\(escape(run.config.algo))\(points.count == 1 ? ", one point" : ""))</li>"
        }.joined()
        html += "</ul>"
        if !missing.isEmpty {
            html += "<p class=\"note\">Not drawn: " + missing.map { "\(escape($0.name)) (\(escape(reason?($0) ?? "no \(x) to plot against")))" }.joined(separator: ", ") + ".</p>"
        }
        return html + "</figure>\n"
    }

    static func summaryTable(_ runs: [RunRecord], _ colors: [String: String]) -> String {
        let columns: [(String, (RunRecord) -> String)] = [
            ("run", { "<span class=\"swatch\" style=\"background:\(colors[$0.path]!)\"></span>" + escape($0.name) }),
            ("algorithm", { escape($0.config.algo) }), ("environment", { escape($0.task) }),
            ("reached target", { ($0.summary["reached_target"] as? Bool).map { $0 ? "yes" : "no" } ?? "running" }),
            ("eval return", { number($0.number("eval_return_mean") ?? $0.rows.last?["eval_return_mean"], digits: 1) }),
            ("env steps", { number($0.number("env_steps") ?? $0.rows.last?["env_steps"]) }),
            ("expert queries", { number($0.number("expert_queries") ?? $0.rows.last?["expert_queries"]) }),
            ("iterations", { number($0.number("iterations") ?? $0.rows.last?["iteration"]) }),
            ("wall s", { number($0.number("wall_seconds") ?? $0.rows.last?["wall_seconds"], digits: 1) }),
            ("s to target", { number($0.number("seconds_to_target"), digits: 2) }),
            ("queries to target", { number($0.number("expert_queries_to_target")) }),
            ("unsafe events", { number($0.number("unsafe_events")) }),
            ("finish", { escape($0.summary["finish_reason"] as? String ?? "") }),
        ]
        // Header words wrap and the finish reason wraps, so the table fits the page's width;
        // a narrower window scrolls it rather than cutting it.
        var html = "<div class=\"summary\"><table>\n<tr>" + columns.map { "<th>\(escape($0.0))</th>" }.joined() + "</tr>\n"
        for run in runs { html += "<tr>" + columns.map { "<td\($0.0 == "finish" ? " class=\"finish\"" : "")>\($0.1(run))</td>" }.joined() + "</tr>\n" }
        return html + "</table></div>\n"
    }

    static func number(_ value: Double?, digits: Int = 0) -> String {
        guard let value, value.isFinite else { return "—" }
        return digits == 0 && abs(value) < 1e15 ? String(Int64(value.rounded())) : String(format: "%.\(digits)f", value)
    }

    static func ordered(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
