import Foundation
import NexusSampleData
import NexusWire

/// `nexus bench wire`: encode and decode throughput of the two messages that dominate
/// traffic, against memcpy of the same bytes.
public struct WireBench: Sendable {
    public var settings: BenchSettings

    public init(_ settings: BenchSettings = BenchSettings()) { self.settings = settings }

    public static let caseNames = ["trajectory_1000x17", "weights_99k"]

    public func run(_ reporter: BenchReporter) throws {
        try settings.requireMatch(in: Self.caseNames, bench: "wire")
        let roundSeconds = settings.quick ? 0.05 : 0.25
        let cases: [(String, WireMessage)] = [
            ("trajectory_1000x17", .trajectory(SampleMessages.trajectory(steps: 1000, observationDim: 17, actionDim: 6, discreteActions: nil, episodeLength: 400, seed: 3))),
            ("weights_99k", .weights(SampleMessages.weights(layers: [64, 256, 256, 64, 6], seed: 4))),
        ]
        for (name, message) in cases where settings.selected(name) {
            let bytes = WireCodec.encode(message)
            precondition((try? WireCodec.decode(bytes)) == message, "bench \(name): round trip failed")
            reporter.note("wire \(name): \(bytes.count) bytes encoded")
            let memcpySeconds = memcpySecondsPerCopy(bytes.count, roundSeconds: roundSeconds)
            let megabytes = Double(bytes.count) / 1e6
            let baseline = megabytes / memcpySeconds

            let encodeIterations = Measure.calibrate(targetSeconds: roundSeconds) { _ = WireCodec.encode(message) }
            let encodeSeconds = Measure.secondsPerCall(iterations: encodeIterations) { blackHole(WireCodec.encode(message).count) }
            reporter.report(BenchRecord(bench: "wire", case: name, metric: "encode", value: megabytes / encodeSeconds, unit: "MB/s", baseline: baseline))

            let decode = { blackHole((try? WireCodec.decode(bytes)) != nil ? 1 : 0) }
            let decodeIterations = Measure.calibrate(targetSeconds: roundSeconds, decode)
            let decodeSeconds = Measure.secondsPerCall(iterations: decodeIterations, decode)
            reporter.report(BenchRecord(bench: "wire", case: name, metric: "decode", value: megabytes / decodeSeconds, unit: "MB/s", baseline: baseline))
        }
    }

    /// memcpy of `count` bytes into a fresh array: the simplest way to move the same bytes.
    private func memcpySecondsPerCopy(_ count: Int, roundSeconds: Double) -> Double {
        let source = [UInt8](repeating: 7, count: count)
        let copy = {
            let target = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                source.withUnsafeBytes { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: $0.baseAddress!, byteCount: count) }
                initialized = count
            }
            blackHole(Int(target[count / 2]))
        }
        return Measure.secondsPerCall(iterations: Measure.calibrate(targetSeconds: roundSeconds, copy), copy)
    }
}

/// Keeps the optimiser from deleting work whose result is otherwise unused.
@inline(never)
func blackHole(_ value: Int) {
    if value == Int.min { print("") }
}
