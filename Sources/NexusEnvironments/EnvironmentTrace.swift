import Foundation

/// `nexus env trace`: start an environment in a given state, apply actions, report each step.
public struct EnvironmentTrace {
    public struct Step: Equatable {
        public let observation: [Float]
        public let reward: Double
        public let terminated: Bool
        public let truncated: Bool
    }

    /// Parses one action: an integral index for discrete spaces, a number for box spaces.
    public static func parseAction(_ text: Substring, for spec: EnvironmentSpec) throws -> Float {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch spec.actionSpace {
        case .discrete(let count):
            guard let index = Int(trimmed), (0..<count).contains(index) else {
                throw EnvironmentError(description: "action \"\(trimmed)\" is not one of 0..\(count - 1) for \(spec.id)")
            }
            return Float(index)
        case .box:
            guard let value = Float(trimmed), value.isFinite else {
                throw EnvironmentError(description: "action \"\(trimmed)\" is not a finite number for \(spec.id)")
            }
            return value
        }
    }

    /// Runs the actions from `state`, counting the time limit from zero, and stops after the
    /// first step that terminates or truncates.
    public static func run(_ type: any Environment.Type, state: [Double], actions: [Float], arguments: EnvironmentArguments = .none) throws -> [Step] {
        try run(type: type, state: state, actions: actions, arguments: arguments)
    }

    private static func run<E: Environment>(type: E.Type, state: [Double], actions: [Float], arguments: EnvironmentArguments) throws -> [Step] {
        try arguments.check(for: E.spec)
        guard state.count == E.spec.stateNames.count, state.allSatisfy(\.isFinite) else {
            throw EnvironmentError(description: "\(E.spec.id) takes a state of \(E.spec.stateNames.count) finite numbers (\(E.spec.stateNames.joined(separator: ","))), got \(state.count)")
        }
        guard E.spec.actionSpace.dimension == 1 else {
            throw EnvironmentError(description: "\(E.spec.id) has \(E.spec.actionSpace.dimension)-dimensional actions; tracing supports one")
        }
        var episode = TimeLimitedEpisode<E>(arguments: arguments)
        episode.environment.state = state
        var steps: [Step] = []
        for action in actions {
            let (reward, terminated, truncated) = episode.step([action])
            steps.append(Step(observation: episode.observation(), reward: reward, terminated: terminated, truncated: truncated))
            if episode.isOver { break }
        }
        return steps
    }

    /// `step,obs_0,…,obs_{k−1},reward,terminated,truncated` and one row per step; numbers in
    /// their shortest round-trip form, flags as 0/1.
    public static func csv(_ steps: [Step], observationDim: Int) -> String {
        var lines = [(["step"] + (0..<observationDim).map { "obs_\($0)" } + ["reward", "terminated", "truncated"]).joined(separator: ",")]
        for (index, step) in steps.enumerated() {
            let fields = [String(index)] + step.observation.map { "\($0)" } + ["\(step.reward)", step.terminated ? "1" : "0", step.truncated ? "1" : "0"]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
