import NexusErrors
/// What every benchmark takes from the command line.
public struct BenchSettings: Sendable {
    /// Shorter rounds, for smoke tests.
    public var quick: Bool
    /// Only cases whose name contains this text.
    public var filter: String?

    public init(quick: Bool = false, filter: String? = nil) {
        self.quick = quick
        self.filter = filter
    }

    func selected(_ name: String) -> Bool { filter.map { name.contains($0) } ?? true }

    /// A filter that matches none of `names` is a typo, not an empty benchmark.
    func requireMatch(in names: [String], bench: String) throws {
        guard let filter, !names.contains(where: { $0.contains(filter) }) else { return }
        throw BenchFilterError(description: "no \(bench) benchmark case matches \"\(filter)\"; the cases are: \(names.joined(separator: ", "))")
    }
}

/// A `--filter` that matches no benchmark case.
public typealias BenchFilterError = DescribedError<BenchFilterProblem>
public enum BenchFilterProblem {}
