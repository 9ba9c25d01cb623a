import Foundation
import NexusEnvironments
import Yams
import NexusErrors

/// A configuration problem, naming the key (or file) and what is wrong with it.
public typealias ConfigError = DescribedError<ConfigProblem>
public enum ConfigProblem {}

/// Reads a YAML run configuration: the file's keys, then `--set key.path=value` overrides,
/// over the defaults for the chosen environment. Unknown keys and values of the wrong type are
/// rejected with the key named; `RunConfig.validate()` then checks ranges.
public enum ConfigLoader {
    /// `requiringInputs`: see `RunConfig.validate(requiringInputs:)`.
    public static func load(file: String? = nil, overrides: [String] = [], requiringInputs: Bool = true) throws -> RunConfig {
        guard let file else { return try load(yaml: "", source: "", overrides: overrides, requiringInputs: requiringInputs) }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError("cannot read config file \(file): \(error.localizedDescription)")
        }
        return try load(yaml: text, source: "config file \(file)", overrides: overrides, requiringInputs: requiringInputs)
    }

    /// The same from YAML text (a worker gets the run's configuration from the learner);
    /// `overlay`, a file of keys laid over it before `overrides` (a worker's own `--config`).
    public static func load(yaml text: String, source: String, overlay: String? = nil, overrides: [String] = [], requiringInputs: Bool = true) throws -> RunConfig {
        var user = try parse(text, source: source)
        if let overlay {
            let top: String
            do { top = try String(contentsOfFile: overlay, encoding: .utf8) } catch {
                throw ConfigError("cannot read config file \(overlay): \(error.localizedDescription)")
            }
            user = layer(try parse(top, source: "config file \(overlay)"), over: user)
        }
        for override in overrides { try apply(override: override, to: &user) }
        // The defaults depend on the environment, the algorithm and the number of workers.
        let envID = user.mapping?["env"]?.string ?? RunConfig().env
        let algo = user.mapping?["algo"]?.string
        if let algo { _ = try AlgorithmRegistry.builder(named: algo) }
        let workers = user.mapping?["workers"]?.int
        let defaults = try Node(RunConfig.defaults(for: envID, algo: algo, workers: workers), keys: snakeCase)
        let merged = try merge(defaults: defaults, user: user, path: [])
        try checkChoices(in: merged)
        var config: RunConfig
        do {
            config = try YAMLDecoder().decode(RunConfig.self, from: rekey(merged, camelCase))
        } catch let error as DecodingError {
            throw ConfigError(describe(error, in: merged))
        }
        if GymEnvironmentID.isGym(config.env), user.mapping?["target_return"] == nil {
            // A gym: environment's threshold is its registry's (Python says it); without one
            // the run goes on to its iteration or time limit.
            if let problem = GymEnvironmentID.problem(config.env) { throw ConfigError("config key \"env\": \(problem)") }
            config.targetReturn = try config.environmentSpec.rewardThreshold ?? RunConfig.noTarget
        }
        if user.mapping?["unsafe_region"] == nil, let bounds = MuJoCoUnsafeRegions.bounds(for: config.env, kwargs: config.envKwargs) {
            // A MuJoCo robot's falls and flips: MEGA-DAgger's lookahead and every algorithm's
            // unsafe-event count read them.
            config.unsafeRegion = bounds
        }
        try config.validate(requiringInputs: requiringInputs)
        return config
    }

    /// Parses YAML text whose top level is a mapping (an empty document counts as one).
    public static func parse(_ text: String, source: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .mapping([:]) }
            guard node.mapping != nil else { throw ConfigError("\(source): the top level must be a mapping of keys to values") }
            return node
        } catch let error as YamlError {
            throw ConfigError("\(source) is not valid YAML: \(error)")
        }
    }

    /// The configuration as YAML (snake_case keys), as written to a run directory and sent to
    /// workers.
    public static func yaml(_ config: RunConfig) throws -> String {
        try Yams.serialize(node: try Node(config, keys: snakeCase))
    }

    /// `a.b.c=value`: the value is read as YAML (`3`, `1e-3`, `[64, 64]`, `tcp://…`).
    static func apply(override: String, to root: inout Node) throws {
        guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
            throw ConfigError("--set \"\(override)\" is not key.path=value")
        }
        let path = override[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard path.allSatisfy({ !$0.isEmpty }) else { throw ConfigError("--set \"\(override)\": empty key in \"\(override[..<equals])\"") }
        let text = String(override[override.index(after: equals)...])
        let value: Node
        do {
            value = try Yams.compose(yaml: text) ?? Node("")
        } catch {
            throw ConfigError("--set \(override[..<equals]): value \"\(text)\" is not valid YAML")
        }
        root = setting(value, at: path[...], in: root)
    }

    /// `top`'s keys over `base`'s: mappings merged key by key, any other value replaced.
    static func layer(_ top: Node, over base: Node) -> Node {
        guard let topMapping = top.mapping, let baseMapping = base.mapping else { return top }
        var pairs = Array(baseMapping).map { ($0.key, $0.value) }
        for (key, value) in topMapping {
            if let index = pairs.firstIndex(where: { $0.0 == key }) { pairs[index].1 = layer(value, over: pairs[index].1) } else { pairs.append((key, value)) }
        }
        return .mapping(Node.Mapping(pairs))
    }

    private static func setting(_ value: Node, at path: ArraySlice<String>, in node: Node) -> Node {
        guard let key = path.first else { return value }
        var pairs = node.mapping.map { Array($0).map { ($0.key, $0.value) } } ?? []
        let existing = pairs.firstIndex { $0.0.string == key }
        let child = setting(value, at: path.dropFirst(), in: existing.map { pairs[$0].1 } ?? .mapping([:]))
        if let existing { pairs[existing].1 = child } else { pairs.append((Node(key), child)) }
        return .mapping(Node.Mapping(pairs))
    }

    /// The defaults with the user's values laid over them; a key the defaults lack is unknown.
    private static func merge(defaults: Node, user: Node, path: [String]) throws -> Node {
        guard let defaultMapping = defaults.mapping else { return user }
        let name = path.isEmpty ? "the top level" : "\"\(path.joined(separator: "."))\""
        guard let userMapping = user.mapping else {
            throw ConfigError("config key \(name) must be a mapping (with keys \(defaultMapping.keys.compactMap(\.string).joined(separator: ", ")))")
        }
        var pairs = Array(defaultMapping).map { ($0.key, $0.value) }
        for (key, value) in userMapping {
            // A free-form map: its keys are the environment's, checked by `validate`.
            if path.isEmpty, key.string == "env_kwargs", let index = pairs.firstIndex(where: { $0.0.string == "env_kwargs" }) {
                guard value.mapping != nil else { throw ConfigError("config key \"env_kwargs\" must be a mapping of argument names to values") }
                pairs[index].1 = value
                continue
            }
            guard let keyText = key.string, let index = pairs.firstIndex(where: { $0.0.string == keyText }) else {
                let shown = (path + [key.string ?? "\(key)"]).joined(separator: ".")
                let names = Array(defaultMapping.keys.compactMap(\.string))
                throw ConfigError("unknown config key \"\(shown)\"\(suggestion(for: shown, among: names, under: path)) (known keys\(path.isEmpty ? "" : " under \(path.joined(separator: "."))"): \(names.joined(separator: ", ")))")
            }
            pairs[index].1 = try merge(defaults: pairs[index].1, user: value, path: path + [keyText])
        }
        return .mapping(Node.Mapping(pairs))
    }

    /// "; did you mean policy.learning_rate?": the nearest key beside it, or a key of that
    /// name (or nearly) in another section (`--set learning_rate=…`).
    private static func suggestion(for shown: String, among siblings: [String], under path: [String]) -> String {
        let given = String(shown.split(separator: ".").last ?? "")
        if let near = NearestName.among(siblings, to: given) { return "; did you mean \((path + [near]).joined(separator: "."))?" }
        let elsewhere = ConfigKeys.all.map(\.path)
        if let exact = elsewhere.first(where: { $0.hasSuffix("." + given) }) { return "; did you mean \(exact)?" }
        return NearestName.hint(among: elsewhere, to: shown)
    }

    /// Enumerations by name, before decoding: a misspelt one is refused with the nearest.
    private static func checkChoices(in root: Node) throws {
        for key in ConfigKeys.all where !key.choices.isEmpty {
            guard let node = key.node(in: root) else { continue }
            guard let given = node.scalar?.string else { throw ConfigError("config key \"\(key.path)\" must be one of \(key.choices.joined(separator: ", "))") }
            guard key.choices.contains(given) else {
                throw ConfigError("config key \"\(key.path)\" = \(given): \(key.rule ?? "")\(NearestName.hint(among: key.choices, to: given))")
            }
        }
    }

    /// The decoder's complaint as the user's terms: the key, the value given, what it must be
    /// (not Yams's "Expected to decode Int but found Scalar instead").
    private static func describe(_ error: DecodingError, in root: Node) -> String {
        func key(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? snakeCase($0.stringValue) }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        func given(_ path: [any CodingKey]) -> String {
            var node: Node? = root
            for step in path {
                if let index = step.intValue, let sequence = node?.sequence {
                    node = index < sequence.count ? sequence[index] : nil
                } else {
                    node = node?.mapping?[snakeCase(step.stringValue)]
                }
            }
            switch node {
            case .scalar(let scalar)?: return "\"\(scalar.string)\""
            case .sequence?: return "a list"
            case .mapping?: return "a mapping"
            default: return "a value"
            }
        }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "config key \"\(key(context.codingPath))\": \(given(context.codingPath)) is not \(describe(type))"
        case .dataCorrupted(let context):
            return "config key \"\(key(context.codingPath))\": \(given(context.codingPath)) is refused: \(context.debugDescription)"
        case .keyNotFound(let missing, let context):
            return "config key \"\(key(context.codingPath + [missing]))\" is missing"
        @unknown default:
            return "config: \(error)"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is UInt64.Type: return "a whole number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        default:
            let name = "\(type)"
            // Yams's node kinds, when the shape is wrong before the value is read.
            if name.hasPrefix("Array<") || name.hasSuffix("Sequence") { return "a list" }
            if name.hasPrefix("Dictionary<") || name.hasSuffix("Mapping") { return "a mapping" }
            if name.hasSuffix("Scalar") { return "a single value" }
            return name
        }
    }

    // MARK: key spelling

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func camelCase(_ name: String) -> String {
        let parts = name.split(separator: "_")
        guard let first = parts.first else { return name }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// Keys whose values are maps of the user's own names (Gymnasium's keyword arguments,
    /// `ctrl_cost_weight`): respelled themselves, their contents never.
    static let freeFormKeys: Set<String> = ["env_kwargs", "envKwargs"]

    static func rekey(_ node: Node, _ transform: (String) -> String) -> Node {
        switch node {
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { entry in
                let name = entry.key.string
                let value = name.map(freeFormKeys.contains) == true ? entry.value : rekey(entry.value, transform)
                return (Node(name.map(transform) ?? ""), value)
            }))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map { rekey($0, transform) }))
        case .scalar(let scalar) where scalar.style == .plain && scalar.string.contains(where: { "eE.".contains($0) }):
            // Yams writes every floating-point number in exponent form (600 as 6e+2, 0.99 as
            // 9.9e-1): written as people do. Integers and quoted strings are left as they are.
            guard let value = Double(scalar.string), value.isFinite else { return node }
            // A Float setting (mega's) is written with 15 digits (1.00000004749745e-03 for
            // 0.001): its shortest form reads back as the same Float.
            let single = Float(value)
            if scalar.string.count > 14, abs(Double(single) - value) <= abs(value) * 1e-13 { return Node(single.description) }
            return Node(value.description)
        default:
            return node
        }
    }
}

extension Node {
    /// An encodable value as a node, keys respelled.
    init(_ value: some Encodable, keys: (String) -> String) throws {
        guard let node = try Yams.compose(yaml: try YAMLEncoder().encode(value)) else { throw ConfigError("cannot encode the configuration") }
        self = ConfigLoader.rekey(node, keys)
    }
}
