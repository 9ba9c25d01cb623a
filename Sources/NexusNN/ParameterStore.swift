/// All parameters of a network in one flat buffer, with a gradient buffer of the same
/// layout: optimisers and clipping work on two arrays, and named views ship them as
/// `Weights` tensors and checkpoints.
public final class ParameterStore {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public private(set) var entries: [Entry] = []
    public var values: [Float] = []
    public var gradients: [Float] = []

    public init() {}

    public var count: Int { values.count }

    /// Adds a tensor of `shape`, initialised by `initialise(index)`; returns its offset.
    @discardableResult
    public func add(_ name: String, shape: [Int], initialise: (Int) -> Float) -> Int {
        precondition(!entries.contains { $0.name == name }, "parameter \(name) added twice")
        let offset = values.count
        let entry = Entry(name: name, shape: shape, offset: offset)
        entries.append(entry)
        values.append(contentsOf: (0..<entry.count).map(initialise))
        gradients.append(contentsOf: repeatElement(0, count: entry.count))
        return offset
    }

    public func zeroGradients() {
        gradients.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The values of one named tensor.
    public func values(of name: String) -> [Float]? {
        guard let entry = entry(named: name) else { return nil }
        return Array(values[entry.offset..<(entry.offset + entry.count)])
    }
}
