import Testing

@testable import NexusEnvironments

@Suite("Safety predicates")
struct SafetyTests {
    static func unsafe<E: Environment>(_ type: E.Type, _ state: [Double]) -> Bool {
        var environment = E()
        environment.state = state
        return environment.isUnsafe
    }

    @Test func eachEnvironmentMarksItsUnsafeRegion() {
        #expect(!Self.unsafe(CartPole.self, [0, 0, 0, 0]))
        #expect(Self.unsafe(CartPole.self, [2.0, 0, 0, 0]) && Self.unsafe(CartPole.self, [0, 0, -0.18, 0]))
        #expect(!Self.unsafe(Pendulum.self, [3, 7.9]) && !Self.unsafe(Pendulum.self, [0.5, 5.9]) && Self.unsafe(Pendulum.self, [0, -7.5]))
        #expect(!Self.unsafe(MountainCar.self, [-0.5, 0]) && Self.unsafe(MountainCar.self, [-1.15, -0.04]))
        // Near the wall slowly, or stopped at it, is the expert's own swing: safe.
        #expect(!Self.unsafe(MountainCar.self, [-1.15, -0.01]) && !Self.unsafe(MountainCar.self, [-1.2, 0]) && !Self.unsafe(MountainCar.self, [-0.9, -0.06]))
        #expect(!Self.unsafe(MountainCarContinuous.self, [-1.0, 0]) && Self.unsafe(MountainCarContinuous.self, [-1.19, 0]))
        #expect(!Self.unsafe(Acrobot.self, [0, 0, 10, 20]) && Self.unsafe(Acrobot.self, [0, 0, 12, 0]) && Self.unsafe(Acrobot.self, [0, 0, 0, 26]))
    }

    @Test("CartPole: every terminating state of the fixtures was unsafe one step before or at the end")
    func cartPoleFailuresPassThroughTheUnsafeRegion() throws {
        let rows = try GymnasiumReplayTests.load("CartPole-v1")
        for row in rows where row.terminated {
            var environment = CartPole()
            environment.state = row.state
            _ = environment.step(row.action)
            #expect(environment.isUnsafe, "episode \(row.episode) ended without passing the unsafe margin")
        }
    }

    @Test("a vector environment reports each entry into the unsafe region once: every CartPole failure is one")
    func vectorCountsUnsafeEntries() {
        var vector = VectorEnvironment<CartPole>(count: 4, seed: 9)
        var entries = 0, failures = 0
        for _ in 0..<2_000 {
            vector.step([1, 1, 1, 1])  // always push right: every episode fails within ~10 steps
            entries += vector.enteredUnsafe.filter { $0 }.count
            failures += vector.terminated.filter { $0 }.count
        }
        #expect(failures > 100)
        // Each failing episode entered the region once before (or when) it ended; none
        // entered it twice, since pushing one way never brings the pole back.
        #expect(entries == failures, "\(entries) entries for \(failures) failures")
    }

    @Test("the predicate on observations agrees with the environment's state")
    func observationPredicate() {
        var environment = Pendulum()
        environment.state = [0, 7.5]
        let observation = environment.observation()
        #expect(observation.withUnsafeBufferPointer { Pendulum.isUnsafe(observation: $0) })
        #expect(environment.isUnsafe)
    }
}
