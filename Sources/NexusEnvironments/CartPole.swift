import Foundation
import NexusRandom

/// CartPole-v1 (Barto, Sutton & Anderson), as Gymnasium 1.x: Euler integration in float64,
/// reward 1 on every step including the terminating one, 500 steps.
public struct CartPole: Environment {
    public static let spec = EnvironmentSpec(
        id: "CartPole-v1", observationDim: 4, actionSpace: .discrete(2), maxEpisodeSteps: 500,
        rewardThreshold: 475, stateNames: ["x", "x_dot", "theta", "theta_dot"], argumentDefaults: ["sutton_barto_reward": 0],
        booleanArguments: ["sutton_barto_reward"], gymnasiumEntryPoint: "gymnasium.envs.classic_control.cartpole:CartPoleEnv",
        gymnasiumVectorEntryPoint: "gymnasium.envs.classic_control.cartpole:CartPoleVectorEnv")

    static let gravity = 9.8
    static let massCart = 1.0
    static let massPole = 0.1
    static let totalMass = massPole + massCart
    static let length = 0.5  // half the pole
    static let poleMassLength = massPole * length
    static let forceMagnitude = 10.0
    static let tau = 0.02
    public static let thetaThreshold = 12 * 2 * Double.pi / 360
    public static let xThreshold = 2.4

    public var x = 0.0, xDot = 0.0, theta = 0.0, thetaDot = 0.0

    /// Gymnasium's `sutton_barto_reward` (false by default).
    public private(set) var suttonBartoReward = false

    public init() {}

    public mutating func apply(_ arguments: EnvironmentArguments) {
        suttonBartoReward = arguments.value("sutton_barto_reward", default: suttonBartoReward ? 1 : 0) != 0
    }

    public var state: [Double] {
        get { [x, xDot, theta, thetaDot] }
        set { (x, xDot, theta, thetaDot) = (newValue[0], newValue[1], newValue[2], newValue[3]) }
    }

    public mutating func reset(random: inout RandomSource) {
        x = random.nextDouble(low: -0.05, high: 0.05)
        xDot = random.nextDouble(low: -0.05, high: 0.05)
        theta = random.nextDouble(low: -0.05, high: 0.05)
        thetaDot = random.nextDouble(low: -0.05, high: 0.05)
    }

    public mutating func step(_ action: UnsafeBufferPointer<Float>) -> (reward: Double, terminated: Bool) {
        let force = action[0] == 1 ? Self.forceMagnitude : -Self.forceMagnitude
        let cosTheta = cos(theta)
        let sinTheta = sin(theta)
        // Same operation order as Gymnasium, so that every bit agrees.
        let temp = (force + Self.poleMassLength * (thetaDot * thetaDot) * sinTheta) / Self.totalMass
        let thetaAcc = (Self.gravity * sinTheta - cosTheta * temp)
            / (Self.length * (4.0 / 3.0 - Self.massPole * (cosTheta * cosTheta) / Self.totalMass))
        let xAcc = temp - Self.poleMassLength * thetaAcc * cosTheta / Self.totalMass
        x = x + Self.tau * xDot
        xDot = xDot + Self.tau * xAcc
        theta = theta + Self.tau * thetaDot
        thetaDot = thetaDot + Self.tau * thetaAcc
        let terminated = x < -Self.xThreshold || x > Self.xThreshold || theta < -Self.thetaThreshold || theta > Self.thetaThreshold
        // Sutton and Barto's reward: 0 per step, −1 for the step that ends the episode.
        return (suttonBartoReward ? (terminated ? -1.0 : 0.0) : 1.0, terminated)
    }

    /// Unsafe: within 20 % of a termination bound (|x| > 1.92 or |θ| > 0.8 · 12°).
    public static func isUnsafe(observation o: UnsafeBufferPointer<Float>) -> Bool {
        abs(Double(o[0])) > 0.8 * xThreshold || abs(Double(o[2])) > 0.8 * thetaThreshold
    }

    public func observe(into observation: UnsafeMutableBufferPointer<Float>) {
        observation[0] = Float(x)
        observation[1] = Float(xDot)
        observation[2] = Float(theta)
        observation[3] = Float(thetaDot)
    }
}
