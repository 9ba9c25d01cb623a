import Foundation
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
}
