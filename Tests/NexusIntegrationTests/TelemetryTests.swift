import Foundation
import NexusTestKit
import Testing

/// What a run shows to the tools people watch training with, checked with those tools.
@Suite("Telemetry", .serialized)
struct TelemetryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appendingPathComponent(".build-tools/venv/bin/python").path

    static func tool(_ name: String) -> String { root.appendingPathComponent("Tests/Tools/\(name)").path }

    @Test("tb/ of a DAgger run (steps: env steps) and a BC run (steps: iterations) read back by TensorBoard's legacy and plugin accumulators and by its Rust and Python servers: every scalar equals metrics.csv, under grouped tags")
    func tensorBoardMatchesCSV() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "\(Self.python) is missing: run .ci/install-deps")
        // Past the target, so that the curves have rows to compare.
        let run = try await ClusterRun.train(["--algo", "dagger", "--env", "CartPole-v1", "--workers", "2", "--set", "stop_at_target=false", "--set", "training.max_iterations=25"])
        #expect(await run.finish(within: 120) == 0, "\(run.outputText)")
        #expect(run.metricsRows.count == 25)
        let (status, report) = spawnAndWait(Self.python, [Self.tool("check_tensorboard.py"), run.runDirectory])
        #expect(status == 0, "\(report)")
        for line in ["legacy accumulator: 25 rows", "(step: env steps)", "plugin accumulator:", "--load_fast=true: eval/return_mean, rollout/env_steps, time/wall_seconds served", "--load_fast=false:"] {
            #expect(report.contains(line), "\(report)")
        }

        let demos = run.runDirectory + "-demos.nxdemo"
        defer { try? FileManager.default.removeItem(atPath: demos) }
        #expect(try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "10", "--out", demos]).status == 0)
        let bc = try await ClusterRun.train(["--algo", "bc", "--env", "CartPole-v1", "--demos", demos, "--set", "stop_at_target=false", "--set", "bc.iterations=4"])
        #expect(await bc.finish(within: 120) == 0, "\(bc.outputText)")
        let (bcStatus, bcReport) = spawnAndWait(Self.python, [Self.tool("check_tensorboard.py"), bc.runDirectory])
        #expect(bcStatus == 0 && bcReport.contains("legacy accumulator: 4 rows") && bcReport.contains("(step: iteration)"), "\(bcReport)")
    }
}

extension TelemetryTests {
    @Test("Prometheus: learner and expert /metrics scraped with curl during a run: counters move, histograms fill, refused connections counted")
    func prometheusEndpoints() async throws {
        let port = try freeTCPPort(following: 1)
        let run = try await ClusterRun.train([
            "--env", "CartPole-v1", "--workers", "2", "--set", "stop_at_target=false", "--set", "training.max_iterations=1000000",
            "--set", "learner.eval_episodes=5", "--set", "max_seconds=600", "--set", "metrics.port=\(port)",
        ])
        #expect(await ClusterRun.waitUntil(seconds: 60) { run.metricsRows.count >= 2 }, "\(run.outputText)")
        let learnerURL = try #require(run.endpoints(of: "learner")["metrics"])
        let expertURL = try #require(run.endpoints(of: "expert")["metrics"])
        #expect(learnerURL == "http://127.0.0.1:\(port)/metrics" && expertURL == "http://127.0.0.1:\(port + 1)/metrics")

        let before = try Self.scrape(learnerURL), expertBefore = try Self.scrape(expertURL)
        let control = try #require(run.endpoints(of: "learner")["control"].flatMap { Int($0.split(separator: ":").last!) })
        try sendRawTCP(port: control, bytes: Array("GET /metrics HTTP/1.1\r\n\r\n".utf8))
        var after: [String: Double] = [:]
        #expect(await ClusterRun.waitUntil(seconds: 60) {
            after = (try? Self.scrape(learnerURL)) ?? [:]
            return (after["nexus_learner_iteration_total"] ?? 0) >= (before["nexus_learner_iteration_total"] ?? 0) + 3
                && (after["nexus_learner_handshake_failures_total"] ?? 0) >= 1
                && after["nexus_learner_workers_active"] == 2
        }, "learner: \(after)")
        for counter in ["env_steps", "segments", "expert_queries", "iteration"] {
            let name = "nexus_learner_\(counter)_total"
            #expect(try #require(after[name]) > before[name] ?? 0, "\(name) did not move")
        }
        #expect(try #require(after["nexus_learner_update_duration_seconds_count"]) >= 3)
        #expect(try #require(after["nexus_learner_segment_length_steps_count"]) >= 1)
        #expect(try #require(after["nexus_learner_segment_policy_lag_count"]) >= 1)
        #expect(after["nexus_learner_eval_return_mean"] != nil && after["nexus_learner_workers_active"] == 2)
        var expertAfter: [String: Double] = [:]
        #expect(await ClusterRun.waitUntil(seconds: 30) {
            expertAfter = (try? Self.scrape(expertURL)) ?? [:]
            return (expertAfter["nexus_expert_queries_total"] ?? 0) > expertBefore["nexus_expert_queries_total"] ?? 0
        }, "expert: \(expertAfter)")
        #expect(try #require(expertAfter["nexus_expert_query_duration_seconds_count"]) >= expertAfter["nexus_expert_queries_total"]! - 1000)
        #expect(expertAfter["nexus_expert_rejected_messages_total"] == 0, "counters are there from the start")

        kill(run.pid, SIGINT)
        let status = await run.finish(within: 60)
        #expect(status == 130, "a run stopped by SIGINT exits 130: \(String(describing: status)): \(run.outputText)")
    }

    /// `curl`'s body as samples: `name{labels}` → value (comments skipped).
    static func scrape(_ url: String) throws -> [String: Double] {
        let (status, body) = spawnAndWait("/usr/bin/curl", ["--silent", "--show-error", "--fail", "--max-time", "10", url])
        guard status == 0 else { throw ScrapeError(description: "curl \(url): status \(status): \(body)") }
        var samples: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { samples[String(parts[0])] = value }
        }
        return samples
    }

    struct ScrapeError: Error, CustomStringConvertible { let description: String }
}

extension TelemetryTests {
    @Test("nexus report of a DAgger, a BC and a GAIL run, opened in headless Chromium: every run's curves are drawn")
    func reportInChromium() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "chromium is missing: run .ci/install-deps")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-report-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let demos = directory + "/demos.nxdemo"
        #expect(try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "20", "--out", demos]).status == 0)
        let runs = [
            ("dagger", ["--algo", "dagger", "--workers", "2", "--set", "training.max_iterations=15"]),
            ("bc", ["--algo", "bc", "--demos", demos]),
            ("gail", ["--algo", "gail", "--demos", demos, "--workers", "2", "--set", "training.max_iterations=15"]),
        ]
        for (name, arguments) in runs {
            let train = try await NexusProcess.run(["train", "--env", "CartPole-v1", "--run-dir", directory + "/" + name, "--set", "stop_at_target=false"] + arguments, timeout: 300)
            #expect(train.status == 0, "\(name): \(train.stderr)")
        }
        let page = directory + "/report.html"
        let report = try await NexusProcess.run(["report"] + runs.map { directory + "/" + $0.0 } + ["--out", page])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        // Self-contained: no scripts, links or images, and the only URL is SVG's namespace.
        let urls = html.components(separatedBy: "http").count - 1, namespaces = html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1
        #expect(urls == namespaces && namespaces >= 5 && !html.contains("<script") && !html.contains("<link") && !html.contains("<img"))
        #expect(html.contains("expert 500") && html.contains("target 475"))
        #expect(html.components(separatedBy: "<tr>").count - 1 == 4, "a header and a row per run")

        let screenshot = directory + "/report.png"
        let (status, output) = spawnAndWait("/usr/bin/chromium", [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,3000", "--screenshot=\(screenshot)", "file://" + page,
        ])
        #expect(status == 0 && FileManager.default.fileExists(atPath: screenshot), "\(output)")
        // The first three colours of the page's palette: dagger, bc, gail.
        let (checked, counts) = spawnAndWait(Self.python, [Self.tool("check_report.py"), page, screenshot, "#4e79a7", "#f28e2b", "#e15759"])
        #expect(checked == 0, "\(counts)")
    }
}
