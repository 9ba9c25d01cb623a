/// One key of the run configuration as a user sees it: its path, one line of help, and the
/// rule its value keeps. `ConfigKeys.all` declares every key once; validation, the loader's
/// enumeration check, `nexus config keys` and `nexus train --help` read the declarations.
public struct ConfigKey: Sendable {
    /// `policy.learning_rate`.
    public let path: String
    public let help: String
    /// The rule as it is said ("must be from 1 to 1000"); nil: any value of the key's type.
    public let rule: String?
    /// The names an enumeration takes (a misspelt one is refused with the nearest); empty for
    /// other keys.
    public let choices: [String]
    private let holds: @Sendable (RunConfig) -> Bool
    private let value: @Sendable (RunConfig) -> String

    /// The section (`policy`), or "" for a top-level key.
    public var section: String { path.split(separator: ".").dropLast().joined(separator: ".") }

    /// Throws unless `config`'s value keeps the rule, naming the key, the value and the rule.
    func check(_ config: RunConfig) throws {
        guard let rule, !holds(config) else { return }
        throw ConfigError("config key \"\(path)\" = \(value(config)): \(rule)")
    }

    /// A key whose value must keep `rule`.
    static func key<Value>(_ path: String, _ keyPath: any KeyPath<RunConfig, Value> & Sendable, _ rule: Rule<Value>, _ help: String) -> ConfigKey {
        ConfigKey(path: path, help: help, rule: rule.says, choices: [], holds: { rule.holds($0[keyPath: keyPath]) }, value: { "\($0[keyPath: keyPath])" })
    }

    /// A key that takes any value its type allows.
    static func key<Value>(_ path: String, _ keyPath: any KeyPath<RunConfig, Value> & Sendable, _ help: String) -> ConfigKey {
        ConfigKey(path: path, help: help, rule: nil, choices: [], holds: { _ in true }, value: { "\($0[keyPath: keyPath])" })
    }

    /// An enumeration's key: one of `allowed` (by default every case), by name.
    static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ path: String, _ keyPath: any KeyPath<RunConfig, Value> & Sendable, allowed: [Value] = Array(Value.allCases), _ help: String
    ) -> ConfigKey where Value.RawValue == String {
        let names = allowed.map(\.rawValue)
        return ConfigKey(
            path: path, help: help, rule: "must be \(Rule<Int>.list(names, or: true))", choices: names,
            holds: { names.contains($0[keyPath: keyPath].rawValue) }, value: { $0[keyPath: keyPath].rawValue })
    }
}

/// What a value must be, as a test and as it is said to the user.
public struct Rule<Value>: Sendable {
    let holds: @Sendable (Value) -> Bool
    let says: String

    init(_ says: String, _ holds: @escaping @Sendable (Value) -> Bool) {
        self.holds = holds
        self.says = says
    }

    /// "a, b or c".
    static func list(_ names: [String], or: Bool) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + (or ? " or " : " and ") + names.last!
    }
}

extension Rule where Value == Int {
    static func from(_ low: Int, to high: Int, _ note: String = "") -> Rule { Rule("must be from \(low) to \(high)\(note)") { (low...high).contains($0) } }
    static func atLeast(_ low: Int, _ note: String = "") -> Rule {
        Rule(low == 0 ? "must not be negative\(note)" : "must be at least \(low)\(note)") { $0 >= low }
    }
}

extension Rule where Value: BinaryFloatingPoint & Sendable {
    /// A duration: positive, and bounded (they become `Duration`s, where inf or 1e30 trapped).
    static func seconds(atMost limit: Value = 86_400) -> Rule { Rule("must be positive, at most \(Int(limit)) seconds") { $0 > 0 && $0 <= limit } }
    static func secondsOrZero(atMost limit: Value = 86_400) -> Rule { Rule("must be from 0 to \(Int(limit)) seconds") { $0 >= 0 && $0 <= limit } }
    static var positive: Rule { Rule("must be positive") { $0 > 0 && $0.isFinite } }
    static var notNegative: Rule { Rule("must be a number ≥ 0") { $0 >= 0 && $0.isFinite } }
    /// (0, 1]: a rate or a coefficient that may not be 0.
    static var rate: Rule { Rule("must be in (0, 1]") { $0 > 0 && $0 <= 1 } }
    static var fraction: Rule { Rule("must be in [0, 1]") { (0...1).contains($0) } }
    static func within(_ range: ClosedRange<Value>) -> Rule { Rule("must be in [\(range.lowerBound), \(range.upperBound)]") { range.contains($0) } }
}

extension Rule where Value == [Int] {
    /// A network's hidden layers.
    static let layers = Rule("must list layer widths from 1 to 4096") { !$0.isEmpty && $0.allSatisfy { (1...4096).contains($0) } }
}
