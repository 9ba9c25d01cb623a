import Yams

/// Every key of the run configuration, declared once (`ConfigKey`): sections in the order a
/// configuration file lists them.
public enum ConfigKeys {
    public static let all: [ConfigKey] = run + policy + training + dagger + bc + ppo + adversarial + mega
        + endpoints + learner + worker + expert + security + launcher + metrics

    /// Sections every algorithm reads (the rest are an algorithm's own: `AlgorithmBuilder.sections`).
    public static let commonSections: Set<String> = ["", "policy", "training", "endpoints", "learner", "worker", "expert", "security", "launcher", "metrics"]

    /// For `--help`: how many keys each section holds, and where to read them.
    public static var overview: String {
        var sections: [(name: String, count: Int)] = []
        for key in all {
            let name = key.section.isEmpty ? "run" : key.section
            if sections.last?.name == name { sections[sections.count - 1].count += 1 } else { sections.append((name, 1)) }
        }
        return "\(all.count) keys: " + sections.map { "\($0.name) (\($0.count))" }.joined(separator: ", ")
            + ". `nexus config keys [ALGO]` lists each with its default and help; set one with --set KEY=VALUE or in a --config file."
    }

    public static func named(_ path: String) -> ConfigKey? { all.first { $0.path == path } }

    /// The keys `algo` reads: the common sections and its own.
    public static func keys(for builder: any AlgorithmBuilder) -> [ConfigKey] {
        all.filter { commonSections.contains($0.section) || builder.sections.contains($0.section) }
    }

    /// Each key's value in `config`, as YAML writes it (`[64, 64]`, `0.001`, `''`).
    public static func values(of config: RunConfig) throws -> [String: String] {
        let root = try Node(config, keys: ConfigLoader.snakeCase)
        var values: [String: String] = [:]
        for key in all {
            guard let node = key.node(in: root) else { continue }
            values[key.path] = try Self.flow(node)
        }
        return values
    }

    /// A value on one line.
    private static func flow(_ node: Node) throws -> String {
        switch node {
        case .scalar(let scalar): return scalar.string.isEmpty ? "''" : scalar.string
        case .sequence(let sequence): return "[" + (try sequence.map(flow)).joined(separator: ", ") + "]"
        case .mapping(let mapping): return "{" + (try mapping.map { "\($0.key.string ?? ""): \(try flow($0.value))" }).joined(separator: ", ") + "}"
        case .alias: return ""
        }
    }

    /// Checks every key's own rule (the rules between keys are `RunConfig.validate`'s).
    static func check(_ config: RunConfig) throws {
        for key in all { try key.check(config) }
    }
}

extension ConfigKey {
    /// This key's value in a configuration document (snake_case keys), if it is there.
    func node(in root: Node) -> Node? {
        var node: Node? = root
        for part in path.split(separator: ".") { node = node?.mapping?[String(part)] }
        return node
    }
}
