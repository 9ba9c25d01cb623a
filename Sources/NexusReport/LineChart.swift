import Foundation

/// A line chart as inline SVG: one polyline per series, dashed horizontal reference lines
/// (the expert's return, the target), axes with round-number ticks. The legend is the page's
/// (one per figure, in HTML).
struct LineChart {
    struct Series {
        var name: String
        var color: String
        var points: [(Double, Double)]
    }

    struct ReferenceLine {
        var label: String
        var value: Double
        var color: String
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var references: [ReferenceLine] = []
    var width = 760.0
    var height = 340.0
    private let margin = (left: 70.0, right: 120.0, top: 30.0, bottom: 48.0)

    init(title: String, xLabel: String, yLabel: String, series: [Series], references: [ReferenceLine] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.references = references
    }

    func svg() -> String {
        let xs = series.flatMap { $0.points.map(\.0) }
        let ys = series.flatMap { $0.points.map(\.1) } + references.map(\.value)
        let xTicks = Self.ticks(xs.min() ?? 0, xs.max() ?? 1), yTicks = Self.ticks(ys.min() ?? 0, ys.max() ?? 1)
        let plot = (x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom)
        let (x0, x1) = (xTicks.first!, xTicks.last!), (y0, y1) = (yTicks.first!, yTicks.last!)
        func px(_ x: Double) -> Double { plot.x + (x - x0) / (x1 - x0) * plot.width }
        func py(_ y: Double) -> Double { plot.y + plot.height - (y - y0) / (y1 - y0) * plot.height }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
        svg += "<text x=\"\(f(plot.x))\" y=\"18\" class=\"title\">\(escape(title))</text>\n"
        for tick in xTicks {
            svg += "<line x1=\"\(f(px(tick)))\" y1=\"\(f(plot.y))\" x2=\"\(f(px(tick)))\" y2=\"\(f(plot.y + plot.height))\" class=\"grid\"/>"
            svg += "<text x=\"\(f(px(tick)))\" y=\"\(f(plot.y + plot.height + 16))\" class=\"tick\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        for tick in yTicks {
            svg += "<line x1=\"\(f(plot.x))\" y1=\"\(f(py(tick)))\" x2=\"\(f(plot.x + plot.width))\" y2=\"\(f(py(tick)))\" class=\"grid\"/>"
            svg += "<text x=\"\(f(plot.x - 6))\" y=\"\(f(py(tick) + 4))\" class=\"tick\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
        }
        svg += "<rect x=\"\(f(plot.x))\" y=\"\(f(plot.y))\" width=\"\(f(plot.width))\" height=\"\(f(plot.height))\" class=\"frame\"/>\n"
        svg += "<text x=\"\(f(plot.x + plot.width / 2))\" y=\"\(f(height - 8))\" class=\"axis\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(16 \(f(plot.y + plot.height / 2))) rotate(-90)\" class=\"axis\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for line in references {
            svg += "<line x1=\"\(f(plot.x))\" y1=\"\(f(py(line.value)))\" x2=\"\(f(plot.x + plot.width))\" y2=\"\(f(py(line.value)))\" stroke=\"\(line.color)\" class=\"reference\"/>"
            svg += "<text x=\"\(f(plot.x + plot.width + 6))\" y=\"\(f(py(line.value) + 4))\" class=\"tick\" fill=\"\(line.color)\">\(escape(line.label))</text>\n"
        }
        for series in series {
            let points = series.points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            svg += "<polyline class=\"curve\" data-run=\"\(escape(series.name))\" points=\"\(points)\" stroke=\"\(series.color)\"/>\n"
            // A run of one point (bc stopped at its first evaluation) is a marker large enough
            // to see on a reference line it may sit on, outlined so that it stands off it.
            if series.points.count == 1, let point = series.points.first {
                svg += "<circle cx=\"\(f(px(point.0)))\" cy=\"\(f(py(point.1)))\" r=\"7\" fill=\"\(series.color)\" stroke=\"#fff\" stroke-width=\"2\" class=\"marker\"/>\n"
            }
        }
        return svg + "</svg>"
    }

    /// Round-number ticks covering [low, high]: steps of 1, 2 or 5 × 10^k, about five of them.
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        var (low, high) = (low, high)
        if high - low < 1e-12 { (low, high) = (low - 1, high + 1) }
        let rough = (high - low) / 5
        let power = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        let first = floor(low / step) * step, last = ceil(high / step) * step
        return stride(from: first, through: last + step / 2, by: step).map { ($0 / step).rounded() * step }
    }

    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1_000_000 { return String(format: "%gM", value / 1_000_000) }
        if magnitude >= 10_000 { return String(format: "%gk", value / 1000) }
        return String(format: "%g", value)
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// Text for HTML and SVG: the five characters that could end an element or attribute.
func escape(_ text: String) -> String {
    var result = ""
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.append(character)
        }
    }
    return result
}
