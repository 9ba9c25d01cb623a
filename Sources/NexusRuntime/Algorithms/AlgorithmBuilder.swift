import NexusAlgorithms
import NexusEnvironments

/// What an algorithm needs from the cluster around it.
public struct AlgorithmRequirements: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// A demonstration file (`--demos`).
    public static let demonstrations = AlgorithmRequirements(rawValue: 1)
    /// An expert process answering label queries.
    public static let expert = AlgorithmRequirements(rawValue: 2)
    /// Rollout workers stepping environments.
    public static let rolloutWorkers = AlgorithmRequirements(rawValue: 4)
    /// The environment's reward (PPO); imitation algorithms use it only for reporting.
    public static let environmentReward = AlgorithmRequirements(rawValue: 8)
}

/// One algorithm as the runtime sees it (acme's builder): its name and one-line summary, what
/// it needs, its tuned defaults and validation of its config section, and how to build its
/// learner side. Nothing outside the registry switches on an algorithm's name; a new
/// algorithm is a new builder in `AlgorithmRegistry.builders`.
public protocol AlgorithmBuilder: Sendable {
    var name: String { get }
    var summary: String { get }
    var requirements: AlgorithmRequirements { get }
    /// Whether a demonstration file may be given (always, where one is required).
    var acceptsDemonstrations: Bool { get }
    /// The configuration sections of its own it reads, besides the common ones
    /// (`ConfigKeys.commonSections`): what `nexus config keys ALGO` lists.
    var sections: [String] { get }
    /// Lays the algorithm's defaults (tuned per environment where it has them) over `config`,
    /// whose `env` and `workers` are already the user's. User values are laid over the result.
    func applyDefaults(to config: inout RunConfig)
    /// Checks what only this algorithm cares about beyond each key's own rule (`ConfigKeys`):
    /// files it needs, keys that must agree.
    func validate(_ config: RunConfig) throws
    /// Segments from policies more than this many versions old are dropped (on-policy
    /// learning); by default none are: an expert's label is valid whatever policy visited the
    /// state, and DAgger paid for every one.
    func maxPolicyLag(_ config: RunConfig) -> Int
    /// The run ends after this many iterations.
    func iterationLimit(_ config: RunConfig) -> Int
    /// The learner side, fresh (a resumed run restores its state afterwards).
    func makeAlgorithm(config: RunConfig, spec: EnvironmentSpec) throws -> any ImitationAlgorithm
}

extension AlgorithmBuilder {
    public var acceptsDemonstrations: Bool { requirements.contains(.demonstrations) }
    public func applyDefaults(to config: inout RunConfig) {}
    public func validate(_ config: RunConfig) throws {}
    public func maxPolicyLag(_ config: RunConfig) -> Int { .max }
    public func iterationLimit(_ config: RunConfig) -> Int { config.training.maxIterations }
}

/// Every algorithm `nexus` knows.
public enum AlgorithmRegistry {
    public static let builders: [any AlgorithmBuilder] = [
        BehaviourCloningBuilder(), DAggerBuilder(), MegaDAggerBuilder(), PPOBuilder(), AdversarialBuilder(method: .gail), AdversarialBuilder(method: .airl),
    ]

    public static var names: [String] { builders.map(\.name) }

    public static func builder(named name: String) throws -> any AlgorithmBuilder {
        guard let builder = builders.first(where: { $0.name == name }) else {
            throw ConfigError("config key \"algo\" = \(name): unknown algorithm (known: \(names.joined(separator: ", ")))")
        }
        return builder
    }

    /// One line per algorithm, for `--help`.
    public static var helpText: String {
        let width = names.map(\.count).max() ?? 0
        return builders.map { "  \($0.name.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.summary)" }.joined(separator: "\n")
    }
}
