import ArgumentParser
import NexusEnvironments

/// `--env-kwarg KEY=VALUE`: Gymnasium's keyword arguments of the environment, on the commands
/// that build one without a run configuration (eval, demos record, env trace).
struct EnvironmentArgumentOptions: ParsableArguments {
    @Option(name: .customLong("env-kwarg"), help: ArgumentHelp("A keyword argument of the environment, as Gymnasium names it, e.g. g=12 for Pendulum-v1 (repeatable).", valueName: "key=value"))
    var pairs: [String] = []

    /// The arguments, checked against the environment.
    func arguments(for spec: EnvironmentSpec) throws -> EnvironmentArguments {
        let arguments = try EnvironmentArguments.parse(pairs)
        try arguments.check(for: spec)
        return arguments
    }

    /// The pairs as text, for a `gym:` environment (`gymnasium.make` gets them; Python parses
    /// each value as JSON or a Python literal where it can).
    func texts() throws -> [String: String] {
        var values: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else { throw ValidationError("--env-kwarg \"\(pair)\" is not KEY=VALUE") }
            values[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return values
    }
}
