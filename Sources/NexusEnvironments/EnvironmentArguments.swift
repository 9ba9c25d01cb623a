import NexusErrors

/// Gymnasium's keyword arguments of an environment (`gym.make("Pendulum-v1", g=12)`), by
/// Gymnasium's names. Numbers; a boolean is `true`/`false` (1/0).
public struct EnvironmentArguments: Sendable, Equatable, CustomStringConvertible {
    public var values: [String: Double]

    public static let none = EnvironmentArguments([:])

    public init(_ values: [String: Double]) { self.values = values }

    /// `KEY=VALUE` pairs, as `--env-kwarg` takes them.
    public static func parse(_ pairs: [String]) throws -> EnvironmentArguments {
        var values: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw EnvironmentError("--env-kwarg \"\(pair)\" is not KEY=VALUE")
            }
            values[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return try parse(values)
    }

    /// Named values as text (the `env_kwargs` config map).
    public static func parse(_ texts: [String: String]) throws -> EnvironmentArguments {
        var values: [String: Double] = [:]
        for (name, text) in texts {
            switch text.lowercased() {
            case "true": values[name] = 1
            case "false": values[name] = 0
            default:
                guard let value = Double(text), value.isFinite else {
                    throw EnvironmentError("environment argument \(name) = \"\(text)\" is not a finite number or true/false")
                }
                values[name] = value
            }
        }
        return EnvironmentArguments(values)
    }

    /// Refuses names the environment does not take, naming those it does.
    public func check(for spec: EnvironmentSpec) throws {
        for name in values.keys.sorted() where spec.argumentDefaults[name] == nil {
            let known = spec.argumentDefaults.keys.sorted()
            throw EnvironmentError(
                "\(spec.id) takes no argument \"\(name)\"" + (known.isEmpty ? " (it takes none)" : " (it takes \(known.joined(separator: ", ")))"))
        }
    }

    /// An environment built with these arguments (names already checked).
    public func make<E: Environment>(_ type: E.Type) -> E {
        var environment = E()
        if !values.isEmpty { environment.apply(self) }
        return environment
    }

    /// Every argument the environment takes, with its default where this set does not name it:
    /// `g = 10` named and unnamed are the same environment.
    public func resolved(for spec: EnvironmentSpec) -> [String: Double] { spec.argumentDefaults.merging(values) { _, named in named } }

    public func value(_ name: String, default fallback: Double) -> Double { values[name] ?? fallback }

    public var description: String { values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: ",") }
}
