import Testing

@testable import NexusEnvironments
import NexusRandom

@Suite("Vector environments")
struct VectorEnvironmentTests {
    @Test("an ended episode leaves its final observation and restarts at once, as a single copy would")
    func autoResetMatchesSingleCopies() {
        var vector = VectorEnvironment<CartPole>(count: 3, seed: 11)
        // The same copies by hand: same split generators, same resets.
        var root = RandomSource(seed: 11)
        var randoms = (0..<3).map { _ in root.split() }
        var singles = (0..<3).map { index -> CartPole in
            var environment = CartPole()
            environment.reset(random: &randoms[index])
            return environment
        }
        var ended = 0
        for step in 0..<200 {
            let actions: [Float] = (0..<3).map { Float(($0 + step / 7) % 2) }  // wobbly: episodes end often
            vector.step(actions)
            for index in 0..<3 {
                let (reward, terminated) = singles[index].step([actions[index]])
                #expect(vector.rewards[index] == reward && vector.terminated[index] == terminated)
                let row = (index * 4)..<(index * 4 + 4)
                if terminated {
                    ended += 1
                    #expect(Array(vector.finalObservations[row]) == singles[index].observation())
                    singles[index].reset(random: &randoms[index])
                    #expect(vector.completedLengths[index] > 0 && vector.completedReturns[index] == Double(vector.completedLengths[index]))
                }
                #expect(Array(vector.observations[row]) == singles[index].observation())
            }
        }
        #expect(ended > 10)
    }

    @Test("idle copies sit out a step: state, episode length and unsafe flag as they were; the others step as without them")
    func idleCopiesSitOut() {
        var vector = VectorEnvironment<CartPole>(count: 3, seed: 5)
        var alone = VectorEnvironment<CartPole>(count: 3, seed: 5)
        let start = Array(vector.observations[4..<8])
        var endedOthers = 0
        for step in 0..<120 {
            let actions: [Float] = (0..<3).map { Float(($0 + step / 5) % 2) }  // wobbly: episodes end
            vector.step(actions, idle: [false, true, false])
            alone.step(actions)
            #expect(Array(vector.observations[4..<8]) == start, "step \(step): the idle copy moved")
            #expect(vector.rewards[1] == 0 && !vector.terminated[1] && !vector.truncated[1] && !vector.enteredUnsafe[1] && vector.completedLengths[1] == 0)
            for copy in [0, 2] {
                #expect(Array(vector.observations[(copy * 4)..<(copy * 4 + 4)]) == Array(alone.observations[(copy * 4)..<(copy * 4 + 4)]))
                #expect(vector.rewards[copy] == alone.rewards[copy] && vector.terminated[copy] == alone.terminated[copy])
                if vector.terminated[copy] { endedOthers += 1 }
            }
        }
        #expect(endedOthers > 5)
        // Back in: its episode goes on from where it sat out, its length counting only its steps.
        var length = 0
        while true {
            vector.step([0, Float(length % 2), 0], idle: [true, false, true])
            length += 1
            if vector.terminated[1] || vector.truncated[1] { break }
        }
        #expect(vector.completedLengths[1] == length)
    }

    @Test("the time limit truncates, with the final observation kept")
    func truncation() {
        var vector = VectorEnvironment<Pendulum>(count: 2, seed: 5)
        for step in 1...400 {
            vector.step([0.5, -0.5])
            let due = step % 200 == 0
            #expect(vector.truncated == [due, due])
            #expect(vector.terminated == [false, false])
            if due { #expect(vector.completedLengths == [200, 200]) }
        }
    }

    @Test("same seed, same experience")
    func determinism() {
        var first = VectorEnvironment<Acrobot>(count: 4, seed: 9)
        var second = VectorEnvironment<Acrobot>(count: 4, seed: 9)
        for step in 0..<300 {
            let actions = (0..<4).map { Float(($0 + step) % 3) }
            first.step(actions)
            second.step(actions)
            #expect(first.observations == second.observations && first.rewards == second.rewards)
        }
    }
}
