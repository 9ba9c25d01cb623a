import Foundation
import NexusEnvironments
import Synchronization

/// The spaces of `gym:` environments, asked of Python once per process
/// (`python -m nexusrl describe-env`): every role and command that needs an environment's
/// spec gets it from the environment itself, so a run refuses a module that does not import,
/// an id Gymnasium does not know or a space Nexus does not support before anything starts,
/// with Python's own message.
public enum GymEnvironments {
    private static let described = Mutex<[String: EnvironmentSpec]>([:])

    /// The spec of `env` (a `gym:` name) made with `kwargs`, by the interpreter `python`.
    public static func spec(_ env: String, kwargs: [String: String], python: String) throws -> EnvironmentSpec {
        guard let name = GymEnvironmentID.gymnasiumName(env) else { throw RuntimeError("\(env) is not a gym: environment") }
        if let problem = GymEnvironmentID.problem(env) { throw RuntimeError("env: \(problem)") }
        let key = [python, env, kwargsJSON(kwargs)].joined(separator: "\u{0}")
        if let known = described.withLock({ $0[key] }) { return known }
        let text = try PythonExpert.run(python, ["describe-env", "--env", name, "--kwargs", kwargsJSON(kwargs)], what: "env \(env)")
        let spec = try self.spec(env: env, describedAs: text)
        described.withLock { $0[key] = spec }
        return spec
    }

    /// `kwargs` as the JSON object `nexusrl` reads (values as text; it parses them).
    public static func kwargsJSON(_ kwargs: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: kwargs, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether two sets of keyword arguments make the same environment: the same names, and
    /// values equal as the JSON Python reads them ("12" and "12.0"), else as text.
    public static func sameKwargs(_ one: [String: String], _ other: [String: String]) -> Bool {
        guard Set(one.keys) == Set(other.keys) else { return false }
        func value(_ text: String) -> NSObject {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) as? NSObject ?? text as NSString
        }
        return one.allSatisfy { name, text in value(text).isEqual(value(other[name]!)) }
    }

    /// A spec from `describe-env`'s JSON line.
    static func spec(env: String, describedAs text: String) throws -> EnvironmentSpec {
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let observationDim = (object["observation_dim"] as? NSNumber)?.intValue, observationDim > 0,
            let discrete = (object["discrete_actions"] as? NSNumber)?.intValue
        else { throw RuntimeError("env \(env): nexusrl describe-env printed no spaces (\(text.prefix(200)))") }
        let low = (object["action_low"] as? [NSNumber] ?? []).map(\.floatValue)
        let high = (object["action_high"] as? [NSNumber] ?? []).map(\.floatValue)
        let space: ActionSpace = discrete > 0 ? .discrete(discrete) : .box(low: low, high: high)
        if case .box = space, low.isEmpty || low.count != high.count { throw RuntimeError("env \(env): a Box action space without bounds") }
        return EnvironmentSpec(
            id: env, observationDim: observationDim, actionSpace: space,
            maxEpisodeSteps: (object["max_episode_steps"] as? NSNumber)?.intValue ?? 0,
            rewardThreshold: (object["reward_threshold"] as? NSNumber)?.doubleValue, stateNames: [])
    }
}
