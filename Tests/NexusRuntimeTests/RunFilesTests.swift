import Foundation
import NexusWire
import Testing

@testable import NexusRuntime

@Suite("Run directory files")
struct RunFilesTests {
    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func checkpoint(_ iteration: UInt64) -> Checkpoint {
        Checkpoint(runID: "r", algo: "dagger", envID: "CartPole-v1", iteration: iteration,
                   weights: Weights(version: iteration + 1, models: [Model(kind: .policy, name: "policy", parameters: [])]))
    }

    @Test("checkpoints: the newest three are kept; a damaged newest one falls back to the one before")
    func checkpointStore() throws {
        let store = CheckpointStore(directory: try temporaryDirectory(), keep: 3)
        for iteration in 1...5 { _ = try store.save(checkpoint(UInt64(iteration))) }
        #expect(store.files().count == 3)
        #expect(try store.latest().checkpoint.iteration == 5)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: store.files().last!))
        #expect(try store.latest().checkpoint.iteration == 4)
        let empty = CheckpointStore(directory: try temporaryDirectory(), keep: 3)
        #expect(throws: RuntimeError.self) { try empty.latest() }
    }

    @Test("100 torn or bit-flipped newest checkpoints: every one is refused and the store falls back to the one before")
    func tornCheckpoints() throws {
        let store = CheckpointStore(directory: try temporaryDirectory(), keep: 2)
        let older = Checkpoint(
            runID: "r", algo: "dagger", envID: "CartPole-v1", iteration: 4,
            weights: Weights(version: 5, models: [Model(kind: .policy, name: "policy", parameters: [NamedTensor(name: "w", tensor: Tensor(shape: [64], data: (0..<64).map(Float.init)))])]),
            counters: [Metric(name: "env_steps", value: 1000)])
        var newer = older
        newer.iteration = 5
        _ = try store.save(older)
        let path = try store.save(newer)
        let intact = try FileBytes.read(path)
        var random = SystemRandomNumberGenerator()
        var recovered = 0
        for trial in 0..<100 {
            var damaged = intact
            if trial % 2 == 0 {
                // A torn write: anything from nothing to all but the last byte.
                damaged = Array(intact.prefix(Int.random(in: 0..<intact.count, using: &random)))
            } else {
                let bit = Int.random(in: 0..<(intact.count * 8), using: &random)
                damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            }
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            #expect(throws: CheckpointFileError.self) { try CheckpointFile.read(path) }
            if try store.latest().checkpoint == older { recovered += 1 }
        }
        #expect(recovered == 100)
        try Data(intact).write(to: URL(fileURLWithPath: path))
        #expect(try store.latest().checkpoint == newer)
    }

    @Test("metrics.csv: the first row fixes the columns; a reopened log appends under them")
    func metricsLog() throws {
        let path = try temporaryDirectory() + "/metrics.csv"
        try MetricsLog(path: path).append([("iteration", 1), ("wall_seconds", 0.5), ("policy_loss", 0.25), ("eval_return_mean", .nan)])
        try MetricsLog(path: path).append([("iteration", 2), ("policy_loss", 0.125), ("eval_return_mean", 480)])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines[0] == "iteration,wall_seconds,env_steps,expert_queries,unsafe_events,policy_version,policy_loss,eval_return_mean,eval_return_std")
        #expect(lines[1] == "1,0.5,,,,,0.25,,")
        #expect(lines[2] == "2,,,,,,0.125,480,")
    }

    @Test("metrics.csv read back: the rows as written (empty cells absent), damage named by line and column")
    func metricsRows() throws {
        let path = try temporaryDirectory() + "/metrics.csv"
        try MetricsLog(path: path).append([("iteration", 1), ("policy_loss", 0.25), ("eval_return_mean", .nan)])
        try MetricsLog(path: path).append([("iteration", 2), ("policy_loss", 0.1), ("eval_return_mean", 480.5)])
        let rows = try MetricsLog.rows(at: path)
        #expect(rows.count == 2 && rows[0]["eval_return_mean"] == nil && rows[0]["env_steps"] == nil)
        #expect(rows[1]["policy_loss"] == 0.1 && rows[1]["eval_return_mean"] == 480.5)
        #expect(throws: RuntimeError.self) { try MetricsLog.parse("a,b\n1\n", source: "m.csv") }
        do {
            _ = try MetricsLog.parse("a,b\n1,x\n", source: "m.csv")
            Issue.record("a cell that is not a number was read")
        } catch let error as RuntimeError {
            #expect(error.description == "m.csv line 2: b = \"x\" is not a number")
        }
    }

    @Test("every example config in cluster/ loads")
    func exampleConfigs() throws {
        let cluster = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("cluster").path
        let files = try FileManager.default.contentsOfDirectory(atPath: cluster).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 3)
        for file in files {
            let config = try ConfigLoader.load(file: cluster + "/" + file)
            #expect(EnvironmentIDs.contains(config.env), "\(file)")
        }
    }

}

private let EnvironmentIDs: Set<String> = ["CartPole-v1", "Pendulum-v1", "MountainCarContinuous-v0", "MountainCar-v0", "Acrobot-v1"]

@Suite("Backoff")
struct BackoffTests {
    @Test func doublesUpToTheCap() {
        var backoff = Backoff(initial: 0.1, maximum: 0.5)
        #expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()] == [0.1, 0.2, 0.4, 0.5])
        backoff.reset()
        #expect(backoff.next() == 0.1)
    }
}
