import Foundation
import Logging
import NexusEnvironments
import NexusPolicies
import NexusRandom
import NexusRuntime
import Synchronization

/// `nexus bench env --env gym:ID`: env steps/s through the bridge — N workers' copies
/// (`copies` each) stepped by their own `python -m nexusrl env` servers, each worker's
/// policy (obs → 64 → 64 → actions, untrained) choosing every action, no learning — with 1, 2
/// and 4 workers. Baseline: Gymnasium's own `SyncVectorEnv` of the same copies with random
/// actions in one Python process (`python -m nexusrl bench-env`), measured in the same run.
/// This machine's timings wander (±20 % between runs of one case): each figure is the
/// median of three rounds, a round measuring the baseline and every case in turn.
public struct GymBridgeBench: Sendable {
    public var settings: BenchSettings
    public var env: String
    public var kwargs: [String: String]
    public var python: String
    /// The interpreter of the baseline (default: `python`).
    public var referencePython: String?
    public var copies: Int
    public var workerCounts = [1, 2, 4]

    public init(_ settings: BenchSettings, env: String, kwargs: [String: String] = [:], python: String, referencePython: String? = nil, copies: Int = 8) {
        (self.settings, self.env, self.kwargs, self.python, self.referencePython, self.copies) = (settings, env, kwargs, python, referencePython, copies)
    }

    func caseName(workers: Int) -> String { "bridge_\(GymEnvironmentID.gymnasiumName(env) ?? env)_workers\(workers)" }

    public func run(_ reporter: BenchReporter) async throws {
        try settings.requireMatch(in: workerCounts.map(caseName), bench: "env")
        let spec = try GymEnvironments.spec(env, kwargs: kwargs, python: python)
        let (seconds, rounds) = settings.quick ? (1.0, 1) : (3.0, 3)
        let cases = workerCounts.filter { settings.selected(caseName(workers: $0)) }
        var baselines: [Double] = []
        var rates: [Int: [Double]] = [:]
        for round in 1...rounds {
            baselines.append(try baselineStepsPerSecond(seconds: seconds))
            for workers in cases { rates[workers, default: []].append(try await bridgeStepsPerSecond(spec: spec, workers: workers, seconds: seconds)) }
            if rounds > 1 { reporter.note("round \(round) of \(rounds): baseline \(Int(baselines.last!)) steps/s, " + cases.map { "\($0) workers \(Int(rates[$0]!.last!))" }.joined(separator: ", ")) }
        }
        let baseline = Self.median(baselines)
        reporter.note("baseline: Gymnasium's SyncVectorEnv, \(copies) copies, random actions, one process: \(Int(baseline)) steps/s (median of \(rounds))")
        for workers in cases {
            reporter.report(BenchRecord(bench: "env", case: caseName(workers: workers), metric: "steps_per_s", value: Self.median(rates[workers]!), unit: "steps/s", baseline: baseline))
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    private func baselineStepsPerSecond(seconds: Double) throws -> Double {
        let name = GymEnvironmentID.gymnasiumName(env) ?? env
        let text = try PythonExpert.run(
            referencePython ?? python, ["bench-env", "--env", name, "--kwargs", GymEnvironments.kwargsJSON(kwargs), "--copies", "\(copies)", "--seconds", "\(seconds)"],
            what: "the baseline (python -m nexusrl bench-env)")
        guard let value = text.split(separator: "\n").compactMap({ Double($0.trimmingCharacters(in: .whitespaces)) }).last else {
            throw EndToEndFailure(description: "the baseline printed no rate: \(text.suffix(300))")
        }
        return value
    }

    /// Steps of all workers together per second, after every worker has stepped once.
    private func bridgeStepsPerSecond(spec: EnvironmentSpec, workers: Int, seconds: Double) async throws -> Double {
        let logger = Logger(label: "nexus.bench")
        var servers: [EnvironmentServer] = []
        defer { let all = servers; Task { for server in all { await server.close() } } }
        var vectors: [PythonVectorEnvironment] = []
        for index in 0..<workers {
            let server = try EnvironmentServer(.init(env: env, kwargs: kwargs, python: python, copies: copies, timeoutSeconds: 60, concurrentLoops: workers), logger: logger)
            servers.append(server)
            vectors.append(try await PythonVectorEnvironment.start(server: server, spec: spec, seed: UInt64(index)))
        }
        let tally = StepTally()
        let warmUp = ContinuousClock.now + .seconds(min(1, seconds / 4))
        let end = warmUp + .seconds(seconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, vector) in vectors.enumerated() {
                group.addTask(executorPreference: vector.server.taskExecutor) {
                    var vector = vector
                    var random = RandomSource(seed: UInt64(index) + 1)
                    let policy = PolicyNetwork(
                        sizes: [spec.observationDim, 64, 64, spec.actionSpace.policyOutputs], activation: .tanh,
                        head: spec.actionSpace.discreteCount == nil ? .gaussian : .categorical, random: &random)
                    var actions = [Float](repeating: 0, count: vector.count * spec.actionSpace.dimension)
                    while ContinuousClock.now < end {
                        let rows = vector.count
                        vector.observations.withUnsafeBufferPointer { o in actions.withUnsafeMutableBufferPointer { policy.act(batch: o, rows: rows, into: $0) } }
                        try await vector.step(stepping: actions)
                        if tally.measuring.load(ordering: .relaxed) { tally.steps.add(rows, ordering: .relaxed) }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(until: warmUp)
                tally.measuring.store(true, ordering: .relaxed)
            }
            try await group.waitForAll()
        }
        return Double(tally.steps.load(ordering: .relaxed)) / seconds
    }
}

/// Steps counted once the warm-up is over, by every worker task.
private final class StepTally: Sendable {
    let steps = Atomic<Int>(0)
    let measuring = Atomic<Bool>(false)
}
