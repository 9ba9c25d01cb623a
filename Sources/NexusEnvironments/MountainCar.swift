import Foundation
import NexusRandom

/// MountainCar-v0 (Moore, 1990), as Gymnasium 1.x: float64 state, three discrete pushes,
/// reward −1 per step, the left wall stops the car, 200 steps.
public struct MountainCar: Environment {
    public static let spec = EnvironmentSpec(
        id: "MountainCar-v0", observationDim: 2, actionSpace: .discrete(3), maxEpisodeSteps: 200,
        rewardThreshold: -110, stateNames: ["position", "velocity"],
        gymnasiumEntryPoint: "gymnasium.envs.classic_control.mountain_car:MountainCarEnv")

    static let minPosition = -1.2
    static let maxPosition = 0.6
    static let maxSpeed = 0.07
    static let goalPosition = 0.5
    static let force = 0.001
    static let gravity = 0.0025

    public var position = 0.0, velocity = 0.0

    public init() {}

    public var state: [Double] {
        get { [position, velocity] }
        set { (position, velocity) = (newValue[0], newValue[1]) }
    }

    public mutating func reset(random: inout RandomSource) {
        position = random.nextDouble(low: -0.6, high: -0.4)
        velocity = 0
    }

    public mutating func step(_ action: UnsafeBufferPointer<Float>) -> (reward: Double, terminated: Bool) {
        // `velocity += a + b` in Python is velocity + (a + b).
        velocity = velocity + ((Double(action[0]) - 1) * Self.force + cos(3 * position) * -Self.gravity)
        velocity = min(max(velocity, -Self.maxSpeed), Self.maxSpeed)
        position = min(max(position + velocity, Self.minPosition), Self.maxPosition)
        if position == Self.minPosition && velocity < 0 { velocity = 0 }
        return (-1.0, position >= Self.goalPosition && velocity >= 0)
    }

    /// Unsafe: about to strike the left wall (at −1.2) fast: within 0.1 of it at more than half
    /// the top speed. Not the wall itself: the expert bounces off it on purpose, slowly (in 96
    /// of 200 episodes it reached the wall, never faster than 0.027; position < −1.1 alone,
    /// this rule before, counted the expert's own best swings).
    public static func isUnsafe(observation o: UnsafeBufferPointer<Float>) -> Bool { o[0] < -1.1 && Double(o[1]) < -0.5 * maxSpeed }

    public func observe(into observation: UnsafeMutableBufferPointer<Float>) {
        observation[0] = Float(position)
        observation[1] = Float(velocity)
    }
}
