/// A user's declaration of where a `gym:` environment is unsafe (config `unsafe_region`): a
/// list of bounds on observation dimensions, `obs[I] < V` or `obs[I] > V`; a state is unsafe
/// when it crosses any of them. Nexus's own environments carry their regions in code (each
/// `isUnsafe`); this is the same predicate for an environment Nexus cannot read: MEGA-DAgger's
/// lookahead judges imagined states by it, and a real step into it is an unsafe event.
///
/// The form is one line per bound, so that `--set 'unsafe_region=["obs[0] < -1.1"]'` and a
/// YAML list read alike, and a slip (`obs[17]` of 17 dimensions, `obs[0] =< 1`) is named.
public struct UnsafeRegion: Sendable, Equatable, CustomStringConvertible {
    public struct Bound: Sendable, Equatable {
        public let dimension: Int
        /// `<`: unsafe below `limit`; `>`: above it.
        public let below: Bool
        public let limit: Float

        func crossed(by value: Float) -> Bool { below ? value < limit : value > limit }
    }

    public let bounds: [Bound]

    public static let none = UnsafeRegion(bounds: [])

    public init(bounds: [Bound]) { self.bounds = bounds }

    /// Parses `obs[I] < V` / `obs[I] > V` lines; with `observationDim`, every `I` must index it.
    public init(parsing lines: [String], observationDim: Int? = nil) throws {
        bounds = try lines.map { try Self.bound($0, observationDim: observationDim) }
    }

    public var isEmpty: Bool { bounds.isEmpty }

    /// Whether `observation` (one state, real or predicted) lies in the region.
    public func contains(_ observation: UnsafeBufferPointer<Float>) -> Bool {
        bounds.contains { $0.dimension < observation.count && $0.crossed(by: observation[$0.dimension]) }
    }

    public var description: String {
        bounds.isEmpty ? "none" : bounds.map { "obs[\($0.dimension)] \($0.below ? "<" : ">") \($0.limit)" }.joined(separator: " or ")
    }

    private static func bound(_ line: String, observationDim: Int?) throws -> Bound {
        let text = line.filter { !$0.isWhitespace }
        let form = "\"\(line)\" is not obs[I] < V or obs[I] > V (I an observation index, V a finite number)"
        guard text.hasPrefix("obs["), let close = text.firstIndex(of: "]") else { throw EnvironmentError(form) }
        let index = text[text.index(text.startIndex, offsetBy: 4)..<close]
        let rest = text[text.index(after: close)...]
        guard let dimension = Int(index), dimension >= 0, let relation = rest.first, relation == "<" || relation == ">",
              let limit = Float(rest.dropFirst()), limit.isFinite else {
            throw EnvironmentError(form)
        }
        if let observationDim, dimension >= observationDim {
            throw EnvironmentError("\"\(line)\": the observations have \(observationDim) dimensions (obs[0] to obs[\(observationDim - 1)])")
        }
        return Bound(dimension: dimension, below: relation == "<", limit: limit)
    }
}
