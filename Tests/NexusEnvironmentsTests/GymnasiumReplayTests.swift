import Foundation
import Testing

@testable import NexusEnvironments
import NexusRandom

/// Replays traces recorded from Gymnasium (tools/gymnasium_fixtures.py) step by step and
/// demands the same bits: float64 state, float32 observation, float64 reward, flags.
@Suite("Gymnasium-exact dynamics")
struct GymnasiumReplayTests {
    struct Row {
        let episode: Int
        let step: Int
        let state: [Double]
        let action: [Float]
        let observation: [Float]
        let reward: Double
        let terminated: Bool
        let truncated: Bool
    }

    static func load(_ id: String) throws -> [Row] {
        let url = try #require(Bundle.module.url(forResource: id, withExtension: "csv", subdirectory: "Fixtures"), "fixture \(id).csv")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
        func doubles(_ field: Substring) -> [Double] { field.split(separator: ";").map { Double(String($0))! } }
        return lines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return Row(
                episode: Int(fields[0])!, step: Int(fields[1])!, state: doubles(fields[2]),
                action: doubles(fields[3]).map(Float.init), observation: doubles(fields[4]).map(Float.init),
                reward: Double(String(fields[5]))!, terminated: fields[6] == "1", truncated: fields[7] == "1")
        }
    }

    static func replay<E: Environment>(_ type: E.Type, arguments: EnvironmentArguments = .none, fixture: String? = nil) throws -> Int {
        let rows = try load(fixture ?? E.spec.id)
        var environment = arguments.make(E.self)
        var checked = 0
        for row in rows {
            if row.step == 0 {
                environment.state = row.state
            } else {
                #expect(environment.state.map(\.bitPattern) == row.state.map(\.bitPattern), "\(E.spec.id) episode \(row.episode) step \(row.step): state \(environment.state) vs \(row.state)")
            }
            let (reward, terminated) = environment.step(row.action)
            let truncated = row.step + 1 >= E.spec.maxEpisodeSteps
            let observation = environment.observation()
            #expect(observation.map(\.bitPattern) == row.observation.map(\.bitPattern), "\(E.spec.id) episode \(row.episode) step \(row.step): observation \(observation) vs \(row.observation)")
            #expect(reward.bitPattern == row.reward.bitPattern, "\(E.spec.id) episode \(row.episode) step \(row.step): reward \(reward) vs \(row.reward)")
            #expect(terminated == row.terminated && truncated == row.truncated, "\(E.spec.id) episode \(row.episode) step \(row.step): flags")
            checked += 1
        }
        return checked
    }

    @Test("CartPole-v1: 965 steps, truncation at 500, termination on both cart and both pole bounds")
    func cartPole() throws {
        #expect(try Self.replay(CartPole.self) == 965)
    }

    @Test("Pendulum-v1: 800 steps, torques beyond ±2 clipped, speeds clipped at ±8, truncation at 200")
    func pendulum() throws {
        #expect(try Self.replay(Pendulum.self) == 800)
    }

    @Test("MountainCar-v0: goal reached, left wall hit, truncation at 200")
    func mountainCar() throws {
        #expect(try Self.replay(MountainCar.self) == 488)
    }

    @Test("MountainCarContinuous-v0: float32/float64/Python-float promotion, clipping, goal, wall, truncation at 999")
    func mountainCarContinuous() throws {
        #expect(try Self.replay(MountainCarContinuous.self) == 1200)
    }

    @Test("Acrobot-v1: Runge–Kutta steps, angle wraps, termination above the bar, truncation at 500")
    func acrobot() throws {
        #expect(try Self.replay(Acrobot.self) == 1193)
    }

    @Test("keyword arguments as Gymnasium takes them: Pendulum g=12, MountainCarContinuous goal_velocity=0.02, CartPole sutton_barto_reward")
    func keywordArguments() throws {
        #expect(try Self.replay(Pendulum.self, arguments: EnvironmentArguments(["g": 12]), fixture: "Pendulum-v1@g=12.0") == 800)
        #expect(try Self.replay(MountainCarContinuous.self, arguments: EnvironmentArguments(["goal_velocity": 0.02]), fixture: "MountainCarContinuous-v0@goal_velocity=0.02") == 1200)
        #expect(try Self.replay(CartPole.self, arguments: try EnvironmentArguments.parse(["sutton_barto_reward=true"]), fixture: "CartPole-v1@sutton_barto_reward=True") == 965)
        // The traces differ from the default ones: the arguments change the dynamics or rewards.
        #expect(try Self.load("Pendulum-v1@g=12.0").map(\.observation) != Self.load("Pendulum-v1").map(\.observation))
        #expect(try Self.load("CartPole-v1@sutton_barto_reward=True").map(\.reward) != Self.load("CartPole-v1").map(\.reward))
        #expect(throws: EnvironmentError.self) { try EnvironmentArguments(["gravity": 3]).check(for: Pendulum.spec) }
        #expect(throws: EnvironmentError.self) { try EnvironmentArguments.parse(["g"]) }
    }

    @Test("np.remainder semantics: the result takes the divisor's sign")
    func floorModulo() {
        #expect(NumPyFloat.remainder(-1, 2 * .pi) == 2 * .pi - 1)
        #expect(NumPyFloat.remainder(7, 2 * .pi) == 7 - 2 * .pi)
        #expect(NumPyFloat.remainder(-4 * .pi, 2 * .pi).sign == .plus)
    }

    @Test("reset draws from Gymnasium's ranges, reproducibly for a seed")
    func resets() {
        var random = RandomSource(seed: 3)
        var again = RandomSource(seed: 3)
        var cartPole = CartPole(), copy = CartPole()
        for _ in 0..<1000 {
            cartPole.reset(random: &random)
            copy.reset(random: &again)
            #expect(cartPole.state == copy.state)
            #expect(cartPole.state.allSatisfy { $0 >= -0.05 && $0 < 0.05 })
        }
        var pendulum = Pendulum()
        for _ in 0..<1000 {
            pendulum.reset(random: &random)
            #expect(pendulum.theta >= -.pi && pendulum.theta < .pi && abs(pendulum.thetaDot) <= 1)
        }
    }
}
