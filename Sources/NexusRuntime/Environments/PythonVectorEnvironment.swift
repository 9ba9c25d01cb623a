import NexusEnvironments
import NexusWire

/// A worker's copies of a `gym:` environment, stepped by an `EnvironmentServer`: the same
/// arrays after each step as Nexus's own `VectorEnvironment` (same-step resets, final
/// observations, completed returns and lengths), so the rollout collector records both alike.
/// A copy is unsafe where the environment reports `info["unsafe"]` or its observation lies in
/// the declared `unsafe_region` (an episode's end judged by its final observation).
public struct PythonVectorEnvironment: BatchedEnvironment, Sendable {
    public let spec: EnvironmentSpec
    public let count: Int
    public let server: EnvironmentServer
    /// The first reset's seed (copy i: seed + i); each recovery resets from a seed of its own.
    private let seed: UInt64
    /// The declared region (`unsafe_region`; none: only `info["unsafe"]` counts).
    public let region: UnsafeRegion
    /// Failed steps this vector recovered from (`env_failures`).
    public private(set) var failures = 0

    public private(set) var observations: [Float]
    public private(set) var finalObservations: [Float]
    public private(set) var rewards: [Double]
    public private(set) var terminated: [Bool]
    public private(set) var truncated: [Bool]
    public private(set) var completedReturns: [Double]
    public private(set) var completedLengths: [Int]
    public private(set) var enteredUnsafe: [Bool]
    private var episodeReturns: [Double]
    private var episodeLengths: [Int]
    private var currentlyUnsafe: [Bool]

    /// A prediction is judged by the declared region (with none, never unsafe: the lookahead
    /// has nothing to look for).
    public var unsafeRule: @Sendable (UnsafeBufferPointer<Float>) -> Bool { { [region] in region.contains($0) } }

    /// Copies reset from `seed` by `server` (already started for `spec`).
    public static func start(server: EnvironmentServer, spec: EnvironmentSpec, seed: UInt64, region: UnsafeRegion = .none) async throws -> PythonVectorEnvironment {
        var vector = PythonVectorEnvironment(server: server, spec: spec, seed: seed, region: region)
        do {
            try await vector.reset(seed: seed)
        } catch is EnvironmentFailure {
            // A first reset that fails is a failure like any other: counted, a new server.
            try await vector.recover()
        }
        return vector
    }

    private init(server: EnvironmentServer, spec: EnvironmentSpec, seed: UInt64, region: UnsafeRegion) {
        (self.server, self.spec, self.seed, self.region, count) = (server, spec, seed, region, server.settings.copies)
        observations = [Float](repeating: 0, count: count * spec.observationDim)
        finalObservations = observations
        rewards = [Double](repeating: 0, count: count)
        episodeReturns = rewards
        completedReturns = rewards
        terminated = [Bool](repeating: false, count: count)
        truncated = terminated
        enteredUnsafe = terminated
        currentlyUnsafe = terminated
        episodeLengths = [Int](repeating: 0, count: count)
        completedLengths = episodeLengths
    }

    private mutating func reset(seed: UInt64) async throws {
        let first = try await server.reset(seed: seed, observationDim: spec.observationDim)
        observations = first.observations.data
        for index in 0..<count {
            (episodeReturns[index], episodeLengths[index], currentlyUnsafe[index]) = (0, 0, false)
            (rewards[index], terminated[index], truncated[index], enteredUnsafe[index]) = (0, false, false, false)
            (completedReturns[index], completedLengths[index]) = (0, 0)
            currentlyUnsafe[index] = inRegion(observations, copy: index)
        }
    }

    private func inRegion(_ rows: [Float], copy index: Int) -> Bool {
        guard !region.isEmpty else { return false }
        let dim = spec.observationDim
        return rows.withUnsafeBufferPointer { region.contains(UnsafeBufferPointer(rebasing: $0[(index * dim)..<((index + 1) * dim)])) }
    }

    public mutating func step(stepping actions: [Float], idle: [Bool]) async throws {
        let actionDim = spec.actionSpace.dimension
        precondition(actions.count == count * actionDim, "vector step needs \(count)×\(actionDim) actions, got \(actions.count)")
        precondition(idle.isEmpty || idle.count == count, "idle marks one flag per copy")
        let stepped = try await server.step(Tensor(rows: count, columns: actionDim, data: actions), idle: idle, observationDim: spec.observationDim)
        try checkIdleCopiesStayed(idle, before: observations, after: stepped.observations.data)
        observations = stepped.observations.data
        finalObservations = stepped.finalObservations.data
        rewards = stepped.rewards
        terminated = stepped.terminated
        truncated = stepped.truncated
        for index in 0..<count {
            if !idle.isEmpty, idle[index] {
                // Sat out: whatever the reply's row says, nothing happened to this copy.
                (rewards[index], terminated[index], truncated[index], enteredUnsafe[index]) = (0, false, false, false)
                (completedReturns[index], completedLengths[index]) = (0, 0)
                continue
            }
            episodeReturns[index] += rewards[index]
            episodeLengths[index] += 1
            let ended = terminated[index] || truncated[index]
            let reported = stepped.unsafe.isEmpty ? false : stepped.unsafe[index]
            let unsafe = reported || inRegion(ended ? finalObservations : observations, copy: index)
            enteredUnsafe[index] = unsafe && !currentlyUnsafe[index]
            currentlyUnsafe[index] = unsafe
            if ended {
                (completedReturns[index], completedLengths[index]) = (episodeReturns[index], episodeLengths[index])
                (episodeReturns[index], episodeLengths[index]) = (0, 0)
                currentlyUnsafe[index] = inRegion(observations, copy: index)
            } else {
                (completedReturns[index], completedLengths[index]) = (0, 0)
            }
        }
    }

    /// A server whose `nexusrl` predates idle copies ignores the flags and steps them all: that
    /// is a setup to fix, not an environment to restart.
    private func checkIdleCopiesStayed(_ idle: [Bool], before: [Float], after: [Float]) throws {
        let dim = spec.observationDim
        for index in idle.indices where idle[index] && before[(index * dim)..<((index + 1) * dim)] != after[(index * dim)..<((index + 1) * dim)] {
            throw OutdatedEnvironmentServer(
                description: "the environment server stepped copy \(index), which was to sit out the step: the nexusrl package behind "
                    + "--python (\(server.settings.python)) is older than this nexus; install this one's (pip install <nexus checkout>/python)")
        }
    }

    /// A new server (the old one raised, hung, died or answered nonsense), every copy reset
    /// from a seed of this recovery's own. Tries three times before it gives up.
    public mutating func recover() async throws {
        failures += 1
        var last: (any Error)?
        for attempt in 0..<3 {
            do {
                try await server.restart()
                try await reset(seed: seed &+ UInt64(failures) &* 1_000_003 &+ UInt64(attempt) &* 7919)
                return
            } catch {
                last = error
            }
        }
        throw EnvironmentFailure(description: "the environment did not come back after 3 restarts: \(last.map { "\($0)" } ?? "")")
    }
}

/// The Python side of the environment bridge does not speak this nexus's protocol.
public struct OutdatedEnvironmentServer: Error, CustomStringConvertible {
    public let description: String
}
