import Foundation
import NexusRandom

/// MountainCarContinuous-v0, as Gymnasium 1.x under NumPy 2. Its state is float64 after a
/// reset and float32 after every step, the force is float32 unless clipping replaced it with
/// a Python float, and clipped speeds and positions become Python floats: every operation is
/// done in the type NumPy would use (`NumPyScalar`). Reward: 100 at the goal, minus 0.1·a²
/// (of the action as given, before clipping); 999 steps.
public struct MountainCarContinuous: Environment {
    public static let spec = EnvironmentSpec(
        id: "MountainCarContinuous-v0", observationDim: 2, actionSpace: .box(low: [-1], high: [1]), maxEpisodeSteps: 999,
        rewardThreshold: 90, stateNames: ["position", "velocity"], argumentDefaults: ["goal_velocity": 0],
        gymnasiumEntryPoint: "gymnasium.envs.classic_control.continuous_mountain_car:Continuous_MountainCarEnv")

    private var position = NumPyScalar.float64(0)
    private var velocity = NumPyScalar.float64(0)

    /// Gymnasium's `goal_velocity` (0 by default): the speed the car must have at the flag.
    public private(set) var goalVelocity = 0.0

    public init() {}

    public mutating func apply(_ arguments: EnvironmentArguments) { goalVelocity = arguments.value("goal_velocity", default: goalVelocity) }

    /// Setting the state makes it float64 (as after a reset); reading it gives the values.
    public var state: [Double] {
        get { [position.value, velocity.value] }
        set { (position, velocity) = (.float64(newValue[0]), .float64(newValue[1])) }
    }

    /// Gymnasium keeps float32 state after a step; traces set that state back with this.
    mutating func setStepState(position: Float, velocity: Float) {
        self.position = .float32(position)
        self.velocity = .float32(velocity)
    }

    public mutating func reset(random: inout RandomSource) {
        position = .float64(random.nextDouble(low: -0.6, high: -0.4))
        velocity = .float64(0)
    }

    public mutating func step(_ action: UnsafeBufferPointer<Float>) -> (reward: Double, terminated: Bool) {
        let given = action[0]
        // Python's min(max(a, -1.0), 1.0) returns whichever object wins: a float32 action, or
        // the Python float bound.
        let force: NumPyScalar = given < -1 ? .python(-1) : (given > 1 ? .python(1) : .float32(given))
        let cosine = NumPyScalar.python(cos((NumPyScalar.python(3) * position).value))
        velocity = velocity + (force * .python(0.0015) - .python(0.0025) * cosine)
        if velocity > .python(0.07) { velocity = .python(0.07) }
        if velocity < .python(-0.07) { velocity = .python(-0.07) }
        position = position + velocity
        if position > .python(0.6) { position = .python(0.6) }
        if position < .python(-1.2) { position = .python(-1.2) }
        if position == .python(-1.2) && velocity < .python(0) { velocity = .python(0) }
        let terminated = position >= .python(0.45) && velocity >= .python(goalVelocity)
        let reward = (terminated ? 100.0 : 0) - pythonSquare(Double(given)) * 0.1
        // self.state = np.array([position, velocity], dtype=np.float32)
        position = .float32(Float(position.value))
        velocity = .float32(Float(velocity.value))
        return (reward, terminated)
    }

    /// Unsafe: about to hit the left wall (position below −1.1; the wall is at −1.2).
    public static func isUnsafe(observation o: UnsafeBufferPointer<Float>) -> Bool { o[0] < -1.1 }

    public func observe(into observation: UnsafeMutableBufferPointer<Float>) {
        observation[0] = Float(position.value)
        observation[1] = Float(velocity.value)
    }
}
