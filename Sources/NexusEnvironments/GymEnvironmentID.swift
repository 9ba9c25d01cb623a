/// `gym:ID` or `gym:MODULE:ID`: an environment Gymnasium makes (`gymnasium.make("ID")`, or
/// `"MODULE:ID"`, which imports MODULE first so that it can register ID), stepped in a Python
/// process; every other name is one of Nexus's own environments.
public enum GymEnvironmentID {
    public static let prefix = "gym:"

    /// What `gymnasium.make` is given for `env`, or nil when `env` is not a `gym:` name.
    public static func gymnasiumName(_ env: String) -> String? {
        guard env.hasPrefix(prefix) else { return nil }
        return String(env.dropFirst(prefix.count))
    }

    public static func isGym(_ env: String) -> Bool { env.hasPrefix(prefix) }

    /// The environment's family: its ID without module and version (`gym:my_robots:Hopper-v4`
    /// → `Hopper`), or nil when `env` is not a `gym:` name.
    public static func family(_ env: String) -> String? {
        gymnasiumName(env).map { name in String(name.split(separator: ":").last.map { $0.prefix { $0 != "-" } } ?? "") }
    }

    /// Why `env` is not a usable `gym:` name, or nil when it is one (or not a `gym:` name).
    public static func problem(_ env: String) -> String? {
        guard let name = gymnasiumName(env) else { return nil }
        if name.isEmpty { return "\"gym:\" names no environment (gym:ID or gym:MODULE:ID, e.g. gym:HalfCheetah-v5)" }
        if name.contains(where: { $0.isWhitespace }) { return "\"\(env)\" holds white space" }
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count > 2 || parts.contains(where: \.isEmpty) { return "\"\(env)\" is not gym:ID or gym:MODULE:ID" }
        return nil
    }
}
