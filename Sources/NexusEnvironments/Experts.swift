import Foundation

/// The experts Nexus ships, one per environment: analytic controllers, each documented where
/// it is defined. `Experts.for(id)` finds one.
public enum Experts {
    /// The expert of environment `id`; the planners simulate the environment with its keyword
    /// `arguments` (changed gravity, a goal speed), so they stay experts of the changed task.
    public static func `for`(_ id: String, arguments: EnvironmentArguments = .none) throws -> any Expert {
        switch id {
        case CartPole.spec.id: return CartPoleExpert()
        case MountainCar.spec.id: return MountainCarExpert()
        case Acrobot.spec.id: return AcrobotExpert()
        case MountainCarContinuous.spec.id: return MountainCarContinuousExpert(arguments: arguments)
        case Pendulum.spec.id: return PendulumExpert(arguments: arguments)
        default: throw EnvironmentError(description: "no expert for \"\(id)\"; experts exist for \(available.joined(separator: ", "))")
        }
    }

    public static let available = [CartPole.spec.id, Pendulum.spec.id, MountainCarContinuous.spec.id, MountainCar.spec.id, Acrobot.spec.id]
}

/// CartPole: push towards where the pole is falling. A linear rule on the pole's angle and
/// angular velocity balances it; the small cart terms keep the cart near the centre, so the
/// episode lasts its 500 steps.
public struct CartPoleExpert: Expert {
    public let name = "cartpole-linear"
    public init() {}
    public func act(_ o: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        action[0] = o[2] + 0.5 * o[3] + 0.01 * o[0] + 0.1 * o[1] > 0 ? 1 : 0
    }
}

/// MountainCar: pump energy by pushing along the velocity. Which way to push first matters
/// (a wasted half-swing costs tens of steps), so the expert looks ahead with the exact
/// dynamics: for each action it simulates "this action, then pump" to the goal and takes the
/// action that gets there sooner. About 2×100 simulated steps per decision.
public struct MountainCarExpert: Expert {
    public let name = "mountaincar-lookahead"
    public init() {}

    static func stepsToGoal(from start: MountainCar, firstAction: Float) -> Int {
        var car = start
        var action = firstAction
        for step in 1...MountainCar.spec.maxEpisodeSteps {
            if withUnsafePointer(to: &action, { car.step(UnsafeBufferPointer(start: $0, count: 1)) }).terminated { return step }
            action = car.velocity >= 0 ? 2 : 0
        }
        return .max
    }

    public func act(_ o: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        var car = MountainCar()
        car.state = [Double(o[0]), Double(o[1])]
        let left = Self.stepsToGoal(from: car, firstAction: 0)
        let right = Self.stepsToGoal(from: car, firstAction: 2)
        action[0] = right <= left ? 2 : 0
    }
}

/// Acrobot: pump energy with torque along the second link's swing. That rule alone now and
/// then circles without getting the tip up, so the expert looks ahead with the exact
/// dynamics: for each torque it simulates "this torque, then pump" for up to 150 steps and
/// takes the one that swings the tip above the bar soonest (the pump rule when none does).
/// The observation's angles are recovered with atan2; that is exact enough for planning.
public struct AcrobotExpert: Expert {
    public let name = "acrobot-lookahead"
    static let horizon = 150
    public init() {}

    static func pump(_ acrobot: Acrobot) -> Float { acrobot.dtheta2 > 0 ? 2 : 0 }

    static func stepsToGoal(from start: Acrobot, firstAction: Float) -> Int {
        var acrobot = start
        var action = firstAction
        for step in 1...horizon {
            if withUnsafePointer(to: &action, { acrobot.step(UnsafeBufferPointer(start: $0, count: 1)) }).terminated { return step }
            action = pump(acrobot)
        }
        return .max
    }

    public func act(_ o: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        var acrobot = Acrobot()
        acrobot.state = [atan2(Double(o[1]), Double(o[0])), atan2(Double(o[3]), Double(o[2])), Double(o[4]), Double(o[5])]
        var best = Self.pump(acrobot)
        var bestSteps = Self.stepsToGoal(from: acrobot, firstAction: best)
        for candidate: Float in [0, 1, 2] where candidate != best {
            let steps = Self.stepsToGoal(from: acrobot, firstAction: candidate)
            if steps < bestSteps { (best, bestSteps) = (candidate, steps) }
        }
        action[0] = best
    }
}

/// MountainCarContinuous: the reward is 100 at the goal minus 0.1·a² per step, with no cost
/// for time, so the best driving is gentle. The expert looks ahead with the exact dynamics:
/// for each candidate force it simulates "this force, then pump at full force along the
/// velocity" to the goal and takes the force with the best simulated return.
public struct MountainCarContinuousExpert: Expert {
    public let name = "mountaincarcontinuous-lookahead"
    static let candidates: [Float] = [-1, -0.5, -0.25, 0, 0.25, 0.5, 1]
    let arguments: EnvironmentArguments
    public init(arguments: EnvironmentArguments = .none) { self.arguments = arguments }

    static func simulatedReturn(from start: MountainCarContinuous, firstAction: Float, budget: Int) -> Double {
        var car = start
        var action = firstAction
        var total = 0.0
        for _ in 0..<budget {
            let (reward, terminated) = withUnsafePointer(to: &action) { car.step(UnsafeBufferPointer(start: $0, count: 1)) }
            total += reward
            if terminated { return total }
            action = car.state[1] >= 0 ? 1 : -1
        }
        return total - 100  // never arrives: worse than any arrival
    }

    public func act(_ o: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        var car = arguments.make(MountainCarContinuous.self)
        car.setStepState(position: o[0], velocity: o[1])
        var best: Float = 0
        var bestReturn = -Double.infinity
        for candidate in Self.candidates {
            let value = Self.simulatedReturn(from: car, firstAction: candidate, budget: 400)
            if value > bestReturn { (best, bestReturn) = (candidate, value) }
        }
        action[0] = best
    }
}

/// Pendulum: a short-horizon planner on the exact dynamics. For each candidate torque it
/// simulates "this torque, then the heuristic" for 80 steps and takes the torque with the
/// best simulated reward. The heuristic pumps energy (full torque along the swing) when the
/// pendulum is low and holds it upright with a PD law near the top.
public struct PendulumExpert: Expert {
    public let name = "pendulum-planner"
    static let candidates: [Float] = [-2, -1, -0.5, 0, 0.5, 1, 2]
    static let horizon = 80
    let arguments: EnvironmentArguments
    public init(arguments: EnvironmentArguments = .none) { self.arguments = arguments }

    static func heuristic(_ pendulum: Pendulum) -> Float {
        let angle = NumPyFloat.remainder(pendulum.theta + Double.pi, 2 * Double.pi) - Double.pi
        if cos(angle) > 0.85 {
            return Float(min(max(-(10 * angle + 2 * pendulum.thetaDot), -2), 2))
        }
        return pendulum.thetaDot >= 0 ? 2 : -2
    }

    static func simulatedReward(from start: Pendulum, firstAction: Float) -> Double {
        var pendulum = start
        var action = firstAction
        var total = 0.0
        for _ in 0..<horizon {
            total += withUnsafePointer(to: &action) { pendulum.step(UnsafeBufferPointer(start: $0, count: 1)) }.reward
            action = heuristic(pendulum)
        }
        return total
    }

    public func act(_ o: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        var pendulum = arguments.make(Pendulum.self)
        pendulum.state = [atan2(Double(o[1]), Double(o[0])), Double(o[2])]
        var best: Float = 0
        var bestReward = -Double.infinity
        for candidate in Self.candidates {
            let value = Self.simulatedReward(from: pendulum, firstAction: candidate)
            if value > bestReward { (best, bestReward) = (candidate, value) }
        }
        action[0] = best
    }
}
