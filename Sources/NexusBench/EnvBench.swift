import NexusEnvironments
import NexusNN

/// `nexus bench env`: steps per second of each environment on one core, and of 64 CartPole
/// copies driven by a 4→64→64→2 MLP policy (inference included).
///
/// Baselines: for one environment, the same loop stepping a do-nothing environment (the bare
/// loop overhead); for the vector, the policy's batch-64 inference alone, so the ratio shows
/// what stepping the environments adds to choosing the actions.
public struct EnvBench: Sendable {
    public var settings: BenchSettings

    public init(_ settings: BenchSettings = BenchSettings()) { self.settings = settings }

    public static var caseNames: [String] { EnvironmentRegistry.ids.map { "single_\($0)" } + ["vector64_CartPole-v1_mlp"] }

    public func run(_ reporter: BenchReporter) throws {
        try settings.requireMatch(in: Self.caseNames, bench: "env")
        let roundSeconds = settings.quick ? 0.05 : 0.3
        let bare = stepsPerSecond(NullEnvironment.self, roundSeconds: roundSeconds)
        for type in EnvironmentRegistry.all where settings.selected("single_\(type.spec.id)") {
            let rate = stepsPerSecond(type, roundSeconds: roundSeconds)
            reporter.report(BenchRecord(bench: "env", case: "single_\(type.spec.id)", metric: "steps_per_s", value: rate, unit: "steps/s", baseline: bare))
        }
        if settings.selected("vector64_CartPole-v1_mlp") {
            let (rate, inferenceOnly) = vectorWithPolicy(roundSeconds: roundSeconds)
            reporter.report(BenchRecord(bench: "env", case: "vector64_CartPole-v1_mlp", metric: "steps_per_s", value: rate, unit: "steps/s", baseline: inferenceOnly))
        }
    }

    private func stepsPerSecond(_ type: any Environment.Type, roundSeconds: Double) -> Double {
        stepsPerSecond(of: type, roundSeconds: roundSeconds)
    }

    private func stepsPerSecond<E: Environment>(of type: E.Type, roundSeconds: Double) -> Double {
        let batch = 100_000
        let body = { blackHole(Int(Self.run(E.self, steps: batch))) }
        let seconds = Measure.secondsPerCall(iterations: Measure.calibrate(targetSeconds: roundSeconds, body), body)
        return Double(batch) / seconds
    }

    /// `steps` steps with alternating actions; a finished episode restarts, as a worker's
    /// would. Everything is local, so the loop is what a worker's inner loop compiles to.
    @inline(never)
    static func run<E: Environment>(_ type: E.Type, steps: Int) -> Double {
        var environment = E()
        var random = RandomSource(seed: 1)
        environment.reset(random: &random)
        let limit = E.spec.maxEpisodeSteps
        var action: Float = 0
        var elapsed = 0
        var total = 0.0
        for step in 0..<steps {
            action = Float(step & 1)
            let (reward, terminated) = withUnsafePointer(to: &action) { environment.step(UnsafeBufferPointer(start: $0, count: 1)) }
            total += reward
            elapsed += 1
            if terminated || elapsed == limit {
                environment.reset(random: &random)
                elapsed = 0
            }
        }
        return total
    }

    private func vectorWithPolicy(roundSeconds: Double) -> (Double, Double) {
        let copies = 64
        var vector = VectorEnvironment<CartPole>(count: copies, seed: 3)
        var random = RandomSource(seed: 4)
        let policy = MLP(sizes: [4, 64, 64, 2], random: &random)
        var actions = [Float](repeating: 0, count: copies)
        let step = {
            vector.observations.withUnsafeBufferPointer { policy.forward($0, batch: copies) }
            policy.withOutput { logits in
                for row in 0..<copies { actions[row] = Float(CategoricalHead.mode(logits, row: row, actions: 2)) }
            }
            vector.step(actions)
        }
        let observations = vector.observations
        let inference = { observations.withUnsafeBufferPointer { policy.forward($0, batch: copies) } }
        let stepSeconds = Measure.secondsPerCall(iterations: Measure.calibrate(targetSeconds: roundSeconds, step), step)
        let inferenceSeconds = Measure.secondsPerCall(iterations: Measure.calibrate(targetSeconds: roundSeconds, inference), inference)
        return (Double(copies) / stepSeconds, Double(copies) / inferenceSeconds)
    }
}

/// The bare loop: an environment whose step does nothing.
private struct NullEnvironment: Environment {
    static let spec = EnvironmentSpec(id: "Null-v0", observationDim: 1, actionSpace: .discrete(2), maxEpisodeSteps: 1_000_000, rewardThreshold: nil, stateNames: ["x"])
    var state: [Double] = [0]
    init() {}
    mutating func reset(random: inout RandomSource) {}
    @inline(never) mutating func step(_ action: UnsafeBufferPointer<Float>) -> (reward: Double, terminated: Bool) { (0, false) }
    func observe(into observation: UnsafeMutableBufferPointer<Float>) {}
    static func isUnsafe(observation: UnsafeBufferPointer<Float>) -> Bool { false }
}
