import Foundation
import NexusRandom

/// Pendulum-v1, as Gymnasium 1.x under NumPy 2: float64 state, the torque stays float32 and
/// so do the products a Python float makes with it (NEP 50), 200 steps, never terminates.
public struct Pendulum: Environment {
    public static let spec = EnvironmentSpec(
        id: "Pendulum-v1", observationDim: 3, actionSpace: .box(low: [-2], high: [2]), maxEpisodeSteps: 200,
        rewardThreshold: nil, stateNames: ["theta", "theta_dot"], argumentDefaults: ["g": 10],
        gymnasiumEntryPoint: "gymnasium.envs.classic_control.pendulum:PendulumEnv")

    static let maxSpeed = 8.0
    static let maxTorque: Float = 2
    static let dt = 0.05
    /// Gravity (Gymnasium's `g`, 10 by default).
    public private(set) var g = 10.0

    public var theta = 0.0, thetaDot = 0.0

    public init() {}

    public mutating func apply(_ arguments: EnvironmentArguments) { g = arguments.value("g", default: g) }

    public var state: [Double] {
        get { [theta, thetaDot] }
        set { (theta, thetaDot) = (newValue[0], newValue[1]) }
    }

    public mutating func reset(random: inout RandomSource) {
        theta = random.nextDouble(low: -Double.pi, high: Double.pi)
        thetaDot = random.nextDouble(low: -1, high: 1)
    }

    public mutating func step(_ action: UnsafeBufferPointer<Float>) -> (reward: Double, terminated: Bool) {
        let u = min(max(action[0], -Self.maxTorque), Self.maxTorque)  // float32, as np.clip keeps it
        let angle = NumPyFloat.remainder(theta + Double.pi, 2 * Double.pi) - Double.pi
        // `x**2` is libm's pow (NumPy's scalar power), not x·x: they differ in the last bit
        // now and then (1 step in 800 of the fixtures for the float32 torque). 0.001 · u² and
        // 3.0 · u are float32 products (a Python float meets a float32 value).
        let torqueCost = Float(0.001) * numpySquare(u)
        let costs = pythonSquare(angle) + 0.1 * pythonSquare(thetaDot) + Double(torqueCost)
        let acceleration = 3 * g / 2 * sin(theta) + Double(Float(3.0) * u)
        var newThetaDot = thetaDot + acceleration * Self.dt
        newThetaDot = min(max(newThetaDot, -Self.maxSpeed), Self.maxSpeed)
        theta = theta + newThetaDot * Self.dt
        thetaDot = newThetaDot
        return (-costs, false)
    }

    /// Unsafe: whirling over the top, in the upper half (cos θ > 0) faster than 6 rad/s: the
    /// pendulum overshoots upright and goes round. (Speed alone does not tell: a swing-up
    /// passes the bottom at up to the 8 rad/s limit; the built-in expert did so in 28 % of 500
    /// episodes, and never crossed the upper half faster than 6.)
    public static func isUnsafe(observation o: UnsafeBufferPointer<Float>) -> Bool { o[0] > 0 && abs(o[2]) > 6 }

    public func observe(into observation: UnsafeMutableBufferPointer<Float>) {
        observation[0] = Float(cos(theta))
        observation[1] = Float(sin(theta))
        observation[2] = Float(thetaDot)
    }
}

/// NumPy's float semantics where they differ from Swift's.
enum NumPyFloat {
    /// `np.remainder` (Python's %): the result takes the divisor's sign; Swift's
    /// `truncatingRemainder` is C's fmod, which takes the dividend's.
    static func remainder(_ a: Double, _ b: Double) -> Double {
        let mod = fmod(a, b)
        if mod == 0 { return copysign(0, b) }
        return (b < 0) != (mod < 0) ? mod + b : mod
    }
}
