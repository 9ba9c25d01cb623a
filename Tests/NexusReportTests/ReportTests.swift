import Foundation
import NexusRuntime
import Testing

@testable import NexusReport

@Suite("Report page")
struct ReportTests {
    @Test("ticks are 1, 2 or 5 × 10^k, cover the data, and a flat series still gets an axis")
    func ticks() {
        for (low, high) in [(0.0, 500.0), (-1234.5, -12.0), (0.0, 7680.0), (3.2, 3.2), (1e-3, 4e-3)] {
            let ticks = LineChart.ticks(low, high)
            #expect(ticks.first! <= low && ticks.last! >= high, "\(low)…\(high): \(ticks)")
            #expect((3...12).contains(ticks.count), "\(low)…\(high): \(ticks)")
            let step = ticks[1] - ticks[0]
            let mantissa = step / pow(10, floor(log10(step)))
            #expect([1, 2, 5, 10].contains { abs($0 - mantissa) < 1e-9 }, "step \(step)")
        }
        #expect(LineChart.ticks(0, 500) == [0, 100, 200, 300, 400, 500])
    }

    @Test("run names and labels are escaped in HTML and SVG")
    func escaping() {
        #expect(escape("<run \"a\" & 'b'>") == "&lt;run &quot;a&quot; &amp; &#39;b&#39;&gt;")
        let chart = LineChart(title: "x<y", xLabel: "a&b", yLabel: "c", series: [.init(name: "<r>", color: "#000", points: [(0, 1), (1, 2)])])
        let svg = chart.svg()
        #expect(svg.contains("x&lt;y") && svg.contains("a&amp;b") && svg.contains("data-run=\"&lt;r&gt;\"") && !svg.contains("<r>"))
    }

    static func run(_ name: String, algo: String, env: String, kwargs: [String: String] = [:], rows: [[String: Double]], finish: String = "reached target return 475.0") -> RunRecord {
        var config = RunConfig()
        (config.algo, config.env, config.envKwargs) = (algo, env, kwargs)
        return RunRecord(path: "/runs/" + name, name: name, config: config, summary: ["finish_reason": finish], rows: rows)
    }

    @Test("runs of one environment with other env_kwargs get their own charts, expert and target; the summary names the task")
    func tasksApart() {
        let rows: [[String: Double]] = [["iteration": 1, "env_steps": 100, "eval_return_mean": -900], ["iteration": 2, "env_steps": 200, "eval_return_mean": -300]]
        let page = ReportPage.html(
            runs: [Self.run("g10", algo: "dagger", env: "Pendulum-v1", rows: rows), Self.run("g12", algo: "dagger", env: "Pendulum-v1", kwargs: ["g": "12"], rows: rows)],
            expertReturns: ["Pendulum-v1": -150, "Pendulum-v1 (g=12)": -180], generated: Date(timeIntervalSince1970: 0))
        #expect(page.contains("<h2>Pendulum-v1</h2>") && page.contains("<h2>Pendulum-v1 (g=12)</h2>"))
        #expect(page.contains("expert -150") && page.contains("expert -180"))
        #expect(page.contains("<td>Pendulum-v1 (g=12)</td>"))
    }

    @Test("a run of one evaluation is a visible marker, said so; a run with env steps but one row is not said to have none; the table fits the page")
    func sparseRuns() {
        let bc = Self.run("bc", algo: "bc", env: "CartPole-v1", rows: [["iteration": 1, "env_steps": 0, "expert_queries": 0, "wall_seconds": 0.1, "eval_return_mean": 500]])
        let dagger = Self.run("dagger", algo: "dagger", env: "CartPole-v1", rows: [["iteration": 1, "env_steps": 512, "expert_queries": 256, "wall_seconds": 0.3, "eval_return_mean": 500]],
                              finish: "reached target return 475.0 after a very long explanation of why the run ended where it did")
        let page = ReportPage.html(runs: [bc, dagger], expertReturns: ["CartPole-v1": 500], generated: Date(timeIntervalSince1970: 0))
        #expect(page.contains("class=\"marker\"") && page.contains("r=\"7\""))
        #expect(page.contains("bc (bc, one point)"))
        #expect(page.contains("dagger: one row: a rate needs two") && page.contains("bc: no environment steps"), "\(page)")
        #expect(!page.contains("dagger: no environment steps") && !page.contains("dagger (no environment steps)"))
        #expect(page.contains("<div class=\"summary\"><table>") && page.contains("<td class=\"finish\">reached target return 475.0 after"))
    }
}
