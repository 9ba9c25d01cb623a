/// How a policy chooses actions: the most likely action (or the mean), or a draw from its
/// distribution (on-policy learning needs the draws and their log-probabilities).
public enum ActingMode: Int, Sendable, CaseIterable {
    case deterministic = 0
    case sample = 1

    public var name: String { self == .deterministic ? "deterministic" : "sample" }
}
