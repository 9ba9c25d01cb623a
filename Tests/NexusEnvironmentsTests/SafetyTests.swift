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
        #expect(!Self.unsafe(Pendulum.self, [3, 6.9]) && Self.unsafe(Pendulum.self, [0, -7.5]))
        #expect(!Self.unsafe(MountainCar.self, [-0.5, 0]) && Self.unsafe(MountainCar.self, [-1.15, -0.01]))
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
}
