import Foundation

/// One benchmark figure with the baseline measured in the same run. `ratio` is
/// value / baseline, so for throughput higher is better and for latency lower is better.
public struct BenchRecord: Sendable, Codable, Equatable {
    public var bench: String
    public var `case`: String
    public var metric: String
    public var value: Double
    public var unit: String
    public var baseline: Double
    public var ratio: Double

    public init(bench: String, case: String, metric: String, value: Double, unit: String, baseline: Double) {
        self.bench = bench
        self.case = `case`
        self.metric = metric
        self.value = value
        self.unit = unit
        self.baseline = baseline
        self.ratio = baseline == 0 ? 0 : value / baseline
    }

    /// One JSON object on one line, keys in the documented order.
    public var jsonLine: String {
        func number(_ x: Double) -> String {
            guard x.isFinite else { return "null" }
            return String(format: "%.6g", x)
        }
        func string(_ s: String) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .withoutEscapingSlashes
            let data = try! encoder.encode(s)
            return String(decoding: data, as: UTF8.self)
        }
        return "{\"bench\": \(string(bench)), \"case\": \(string(self.case)), \"metric\": \(string(metric)), "
            + "\"value\": \(number(value)), \"unit\": \(string(unit)), \"baseline\": \(number(baseline)), \"ratio\": \(number(ratio))}"
    }

    /// A fixed-width line for people.
    public var tableLine: String {
        let padded = { (text: String, width: Int) in text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        return padded(self.case, 34) + padded(metric, 18)
            + String(format: "%12.4g %-6@ baseline %12.4g   ratio %6.3f", value, unit as NSString, baseline, ratio)
    }
}

/// Where benchmark records go: JSON lines, or a table with a header per bench.
public struct BenchReporter: Sendable {
    public let json: Bool

    public init(json: Bool) { self.json = json }

    public func report(_ record: BenchRecord) {
        FileHandle.standardOutput.write(Data(((json ? record.jsonLine : record.tableLine) + "\n").utf8))
    }

    public func note(_ text: String) {
        // Notes go to stderr in JSON mode so that stdout stays one object per line.
        if json {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        } else {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
    }
}
