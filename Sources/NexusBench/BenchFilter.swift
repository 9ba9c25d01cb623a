/// A `--filter` that matches no case is a typo, not an empty benchmark.
public struct BenchFilterError: Error, CustomStringConvertible {
    public let description: String
}

enum BenchFilter {
    static func requireMatch(_ filter: String?, in names: [String], bench: String) throws {
        guard let filter, !names.contains(where: { $0.contains(filter) }) else { return }
        throw BenchFilterError(description: "no \(bench) benchmark case matches \"\(filter)\"; the cases are: \(names.joined(separator: ", "))")
    }
}
