import ArgumentParser
import Foundation
import NexusEnvironments
import NexusRuntime

struct Env: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The environments: list them, or trace exact dynamics from a given state.",
        subcommands: [List.self, Trace.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ids, spaces, time limits and the target a run stops at by default.")

        func run() {
            // The target is a run's default target_return: Gymnasium's registered threshold,
            // or the usual published bar where it registers none (Pendulum-v1).
            print("id                        obs  actions                 steps  target")
            for type in EnvironmentRegistry.all {
                let spec = type.spec
                let actions: String
                switch spec.actionSpace {
                case .discrete(let count): actions = "discrete(\(count))"
                case .box(let low, let high): actions = "box[\(low.map { "\($0)" }.joined(separator: ",")), \(high.map { "\($0)" }.joined(separator: ","))]"
                }
                let threshold = RunConfig.threshold(for: spec.id).map { "\($0)" + (spec.rewardThreshold == nil ? " (no registered threshold)" : "") } ?? "-"
                print(spec.id.padding(toLength: 26, withPad: " ", startingAt: 0) + String(spec.observationDim).padding(toLength: 5, withPad: " ", startingAt: 0)
                    + actions.padding(toLength: 24, withPad: " ", startingAt: 0) + String(spec.maxEpisodeSteps).padding(toLength: 7, withPad: " ", startingAt: 0) + threshold)
            }
        }
    }

    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the internal state, apply actions, print CSV (step, observation, reward, flags).",
            discussion: """
                The state is Gymnasium's env.unwrapped.state layout (e.g. Pendulum-v1: theta,theta_dot; \
                Acrobot-v1: theta1,theta2,dtheta1,dtheta2). The time limit counts from zero; the trace \
                stops after the first step that terminates or truncates. Bad input: one line on \
                stderr, exit status 64.
                """)

        @Option(help: "Environment id (see `nexus env list`).")
        var env: String

        @Option(parsing: .unconditional, help: "Comma-separated internal state (may start with a minus sign).")
        var state: String

        @OptionGroup var environmentArguments: EnvironmentArgumentOptions

        @Option(parsing: .unconditional, help: "Comma-separated actions: indices for discrete spaces, numbers for continuous ones.")
        var actions: String

        func run() throws {
            do {
                let type = try EnvironmentRegistry.type(for: env)
                let values = try state.split(separator: ",", omittingEmptySubsequences: false).map { text -> Double in
                    guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
                        throw EnvironmentError(description: "state value \"\(text)\" is not a number")
                    }
                    return value
                }
                let parsed = try actions.split(separator: ",", omittingEmptySubsequences: false).map {
                    try EnvironmentTrace.parseAction($0, for: type.spec)
                }
                let steps = try EnvironmentTrace.run(type, state: values, actions: parsed, arguments: try environmentArguments.arguments(for: type.spec))
                print(EnvironmentTrace.csv(steps, observationDim: type.spec.observationDim), terminator: "")
            } catch let error as EnvironmentError {
                FileHandle.standardError.write(Data("nexus env trace: \(error.description)\n".utf8))
                throw ExitCode.validationFailure  // 64, as every other bad input
            }
        }
    }
}
