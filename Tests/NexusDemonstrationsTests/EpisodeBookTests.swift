import NexusDemonstrations
import NexusEnvironments
import NexusWire
import Testing

/// Copies whose episodes last `lengths[copy]` steps (observation: [copy, step]; reward 1 a
/// step; the last step terminates when `terminates`, else it truncates). Step `failAt` (of
/// the whole vector) throws once.
private struct CountingCopies: BatchedEnvironment {
    let spec: EnvironmentSpec
    let lengths: [Int]
    var terminates = true
    var failAt: Int?
    var stepsTaken = 0
    var recoveries = 0
    var count: Int { lengths.count }
    var position: [Int]
    var observations: [Float] = []
    var finalObservations: [Float]
    var rewards: [Double]
    var terminated: [Bool]
    var truncated: [Bool]
    var completedReturns: [Double]
    var completedLengths: [Int]
    var enteredUnsafe: [Bool]
    var unsafeRule: @Sendable (UnsafeBufferPointer<Float>) -> Bool { { _ in false } }

    init(lengths: [Int], maxEpisodeSteps: Int = 0) {
        spec = EnvironmentSpec(id: "counting", observationDim: 2, actionSpace: .box(low: [-1], high: [1]), maxEpisodeSteps: maxEpisodeSteps, rewardThreshold: nil, stateNames: [])
        self.lengths = lengths
        position = [Int](repeating: 0, count: lengths.count)
        finalObservations = [Float](repeating: 0, count: 2 * lengths.count)
        rewards = [Double](repeating: 0, count: lengths.count)
        (terminated, truncated, enteredUnsafe) = ([Bool](repeating: false, count: lengths.count), [Bool](repeating: false, count: lengths.count), [Bool](repeating: false, count: lengths.count))
        (completedReturns, completedLengths) = (rewards, [Int](repeating: 0, count: lengths.count))
        observe()
    }

    mutating func observe() { observations = (0..<count).flatMap { [Float($0), Float(position[$0])] } }

    mutating func step(stepping actions: [Float], idle: [Bool]) async throws {
        precondition(idle.isEmpty, "these copies always all step")
        stepsTaken += 1
        if stepsTaken == failAt { throw EnvironmentFailure(description: "step \(stepsTaken) fails on purpose") }
        for copy in 0..<count {
            position[copy] += 1
            rewards[copy] = 1
            let ended = position[copy] == lengths[copy]
            (terminated[copy], truncated[copy]) = (ended && terminates, ended && !terminates)
            if ended {
                finalObservations[2 * copy + 1] = Float(position[copy])
                finalObservations[2 * copy] = Float(copy)
                position[copy] = 0
            }
        }
        observe()
    }

    mutating func recover() async throws {
        recoveries += 1
        position = [Int](repeating: 0, count: count)
        observe()
    }
}

@Suite("Episodes of copies stepped together")
struct EpisodeBookTests {
    private static func run(_ copies: inout CountingCopies, episodes: Int, failuresAllowed: Int = 0) async throws -> BatchedEpisodes.Outcome {
        try await BatchedEpisodes.run(&copies, episodes: episodes, keepSteps: true, failuresAllowed: failuresAllowed) { observations, rows in
            [Float](repeating: 0.5, count: rows)
        }
    }

    @Test("each copy gives its fixed share (short episodes are not favoured), in copy order; records hold T+1 observations, the final one last")
    func sharesAndRecords() async throws {
        // Copy 0's episodes are short: taking the first 5 to end would be mostly its. Shares
        // of 5 in 3 copies: (5 + c) / 3 = 1, 2, 2.
        var copies = CountingCopies(lengths: [2, 5, 7])
        let outcome = try await Self.run(&copies, episodes: 5)
        #expect(outcome.episodes.map(\.copy) == [0, 1, 1, 2, 2])
        #expect(outcome.episodes.map(\.length) == [2, 5, 5, 7, 7])
        #expect(outcome.summary.meanReturn == 26.0 / 5)
        #expect(outcome.failures == 0 && outcome.cut == 0)
        let record = try #require(outcome.records.last)
        #expect(record.observations.rows == 8 && record.actions.rows == 7)
        #expect(Array(record.observations.data.suffix(2)) == [2, 7], "the final observation closes the episode")
        #expect(Array(record.observations.data.prefix(2)) == [2, 0])
        #expect(record.terminated.last == true && record.truncated.allSatisfy { !$0 })
        #expect(record.finalObservationSteps == [6] && record.expertMask.allSatisfy { $0 })
        #expect(record.completedEpisodeReturns == [7] && record.rewards.count == 7)
    }

    @Test("a truncated end is recorded as truncated")
    func truncation() async throws {
        var copies = CountingCopies(lengths: [3])
        copies.terminates = false
        let record = try #require(try await Self.run(&copies, episodes: 1).records.first)
        #expect(record.truncated.last == true && record.terminated.allSatisfy { !$0 })
    }

    @Test("a failed step is counted, the environment recovered, the episodes under way run again from their start")
    func failureDropsEpisodesUnderWay() async throws {
        var copies = CountingCopies(lengths: [4, 4])
        copies.failAt = 3
        let outcome = try await Self.run(&copies, episodes: 2, failuresAllowed: 1)
        #expect(outcome.failures == 1 && copies.recoveries == 1)
        #expect(outcome.episodes.map(\.length) == [4, 4], "no episode mixes steps from before and after the failure")
        #expect(outcome.records.allSatisfy { Array($0.observations.data[1..<2]) == [0] })
    }

    @Test("one failure more than allowed is thrown")
    func tooManyFailures() async throws {
        var copies = CountingCopies(lengths: [4])
        copies.failAt = 2
        await #expect(throws: EnvironmentFailure.self) { try await Self.run(&copies, episodes: 1, failuresAllowed: 0) }
    }

    @Test("an episode that reaches the step limit is cut as truncated and its copy owes no more")
    func stepLimitCuts() async throws {
        var copies = CountingCopies(lengths: [3, 50], maxEpisodeSteps: 10)
        let outcome = try await Self.run(&copies, episodes: 4)
        #expect(outcome.cut == 1)
        #expect(outcome.episodes.map(\.length) == [3, 3, 10])
        #expect(outcome.episodes.last?.record?.truncated.last == true)
    }

    @Test("on Nexus's own CartPole-v1 its built-in expert's episodes all reach 500")
    func builtInEnvironment() async throws {
        var vector = VectorEnvironment<CartPole>(count: 4, seed: 7)
        let expert = try Experts.for("CartPole-v1")
        let outcome = try await BatchedEpisodes.run(&vector, episodes: 6, keepSteps: false, failuresAllowed: 0) { observations, rows in
            expert.act(batch: observations, rows: rows, actionDim: 1)
        }
        #expect(outcome.episodes.count == 6 && outcome.summary.minReturn == 500 && outcome.records.isEmpty)
    }
}
