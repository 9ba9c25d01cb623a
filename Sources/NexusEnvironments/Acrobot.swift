import Foundation
import NexusRandom

/// Acrobot-v1 (Sutton, 1996), as Gymnasium 1.x: the "book" dynamics integrated with one
/// fourth-order Runge–Kutta step of 0.2 s, angles wrapped to [−π, π], speeds bounded to
/// ±4π and ±9π, reward −1 until the tip swings above the bar, 500 steps. `x**2` is libm's
/// pow, as in Python, not x·x.
public struct Acrobot: Environment {
    public static let spec = EnvironmentSpec(
        id: "Acrobot-v1", observationDim: 6, actionSpace: .discrete(3), maxEpisodeSteps: 500,
        rewardThreshold: -100, stateNames: ["theta1", "theta2", "dtheta1", "dtheta2"],
        gymnasiumEntryPoint: "gymnasium.envs.classic_control.acrobot:AcrobotEnv")

    static let dt = 0.2
    static let length1 = 1.0, mass1 = 1.0, mass2 = 1.0
    static let centre1 = 0.5, centre2 = 0.5, inertia = 1.0
    static let maxVelocity1 = 4 * Double.pi, maxVelocity2 = 9 * Double.pi
    static let torques = [-1.0, 0.0, 1.0]

    public var theta1 = 0.0, theta2 = 0.0, dtheta1 = 0.0, dtheta2 = 0.0

    public init() {}

    public var state: [Double] {
        get { [theta1, theta2, dtheta1, dtheta2] }
        set { (theta1, theta2, dtheta1, dtheta2) = (newValue[0], newValue[1], newValue[2], newValue[3]) }
    }

    /// Gymnasium draws the start state in float64 and stores it as float32.
    public mutating func reset(random: inout RandomSource) {
        theta1 = Double(Float(random.nextDouble(low: -0.1, high: 0.1)))
        theta2 = Double(Float(random.nextDouble(low: -0.1, high: 0.1)))
        dtheta1 = Double(Float(random.nextDouble(low: -0.1, high: 0.1)))
        dtheta2 = Double(Float(random.nextDouble(low: -0.1, high: 0.1)))
    }

    typealias Vector = (Double, Double, Double, Double)

    /// d(state)/dt for a torque, in Gymnasium's operation order.
    static func derivatives(_ s: Vector, torque a: Double) -> Vector {
        let (m1, m2, l1, lc1, lc2, i1, i2, g) = (mass1, mass2, length1, centre1, centre2, inertia, inertia, 9.8)
        let (theta1, theta2, dtheta1, dtheta2) = s
        let d1 = m1 * pythonSquare(lc1) + m2 * (pythonSquare(l1) + pythonSquare(lc2) + 2 * l1 * lc2 * cos(theta2)) + i1 + i2
        let d2 = m2 * (pythonSquare(lc2) + l1 * lc2 * cos(theta2)) + i2
        let phi2 = m2 * lc2 * g * cos(theta1 + theta2 - Double.pi / 2.0)
        let phi1 = -m2 * l1 * lc2 * pythonSquare(dtheta2) * sin(theta2)
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * cos(theta1 - Double.pi / 2)
            + phi2
        let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * pythonSquare(dtheta1) * sin(theta2) - phi2)
            / (m2 * pythonSquare(lc2) + i2 - pythonSquare(d2) / d1)
        let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
        return (dtheta1, dtheta2, ddtheta1, ddtheta2)
    }

    public mutating func step(_ action: UnsafeBufferPointer<Float>) -> (reward: Double, terminated: Bool) {
        let torque = Self.torques[Int(action[0])]
        let y0: Vector = (theta1, theta2, dtheta1, dtheta2)
        let (dt, half) = (Self.dt, Self.dt / 2.0)
        func shifted(_ k: Vector, by h: Double) -> Vector { (y0.0 + h * k.0, y0.1 + h * k.1, y0.2 + h * k.2, y0.3 + h * k.3) }
        let k1 = Self.derivatives(y0, torque: torque)
        let k2 = Self.derivatives(shifted(k1, by: half), torque: torque)
        let k3 = Self.derivatives(shifted(k2, by: half), torque: torque)
        let k4 = Self.derivatives(shifted(k3, by: dt), torque: torque)
        let sixth = dt / 6.0
        func combine(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> Double { a + 2 * b + 2 * c + d }
        theta1 = Self.wrap(y0.0 + sixth * combine(k1.0, k2.0, k3.0, k4.0))
        theta2 = Self.wrap(y0.1 + sixth * combine(k1.1, k2.1, k3.1, k4.1))
        dtheta1 = min(max(y0.2 + sixth * combine(k1.2, k2.2, k3.2, k4.2), -Self.maxVelocity1), Self.maxVelocity1)
        dtheta2 = min(max(y0.3 + sixth * combine(k1.3, k2.3, k3.3, k4.3), -Self.maxVelocity2), Self.maxVelocity2)
        let terminated = -cos(theta1) - cos(theta2 + theta1) > 1.0
        return (terminated ? 0.0 : -1.0, terminated)
    }

    /// Gymnasium's `wrap`: whole turns added or removed one at a time.
    static func wrap(_ value: Double) -> Double {
        let turn = Double.pi - -Double.pi
        var x = value
        while x > Double.pi { x = x - turn }
        while x < -Double.pi { x = x + turn }
        return x
    }

    /// Unsafe: a joint within 10 % of its speed bound (4π and 9π rad/s).
    public static func isUnsafe(observation o: UnsafeBufferPointer<Float>) -> Bool {
        abs(Double(o[4])) > 0.9 * maxVelocity1 || abs(Double(o[5])) > 0.9 * maxVelocity2
    }

    public func observe(into observation: UnsafeMutableBufferPointer<Float>) {
        observation[0] = Float(cos(theta1))
        observation[1] = Float(sin(theta1))
        observation[2] = Float(cos(theta2))
        observation[3] = Float(sin(theta2))
        observation[4] = Float(dtheta1)
        observation[5] = Float(dtheta2)
    }
}
