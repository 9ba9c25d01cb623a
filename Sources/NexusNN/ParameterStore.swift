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

    public init() { BLAS.singleThreadedByDefault }

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

    /// Every tensor as (name, shape, values), in order: what a `Weights` message or a
    /// checkpoint carries.
    public func namedTensors() -> [(name: String, shape: [Int], values: [Float])] {
        entries.map { ($0.name, $0.shape, Array(values[$0.offset..<($0.offset + $0.count)])) }
    }

    /// Loads tensors by name, e.g. received weights or a checkpoint. Every tensor of this
    /// store must be present with the same shape; nothing is changed unless all of them are.
    public func load(_ tensors: [(name: String, shape: [Int], values: [Float])]) throws {
        var byName: [String: (shape: [Int], values: [Float])] = [:]
        for tensor in tensors { byName[tensor.name] = (tensor.shape, tensor.values) }
        for entry in entries {
            guard let tensor = byName[entry.name] else { throw ParameterLoadError.missing(entry.name) }
            guard tensor.shape == entry.shape, tensor.values.count == entry.count else {
                throw ParameterLoadError.shapeMismatch(entry.name, expected: entry.shape, received: tensor.shape)
            }
        }
        if let extra = tensors.first(where: { entry(named: $0.name) == nil }) { throw ParameterLoadError.unexpected(extra.name) }
        for entry in entries {
            let source = byName[entry.name]!.values
            values.replaceSubrange(entry.offset..<(entry.offset + entry.count), with: source)
        }
    }

    /// The values of one named tensor.
    public func values(of name: String) -> [Float]? {
        guard let entry = entry(named: name) else { return nil }
        return Array(values[entry.offset..<(entry.offset + entry.count)])
    }
}

public enum ParameterLoadError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case unexpected(String)
    case shapeMismatch(String, expected: [Int], received: [Int])
    case invalidValues(String, reason: String)

    public var description: String {
        switch self {
        case .missing(let name): return "parameter \(name) is missing"
        case .unexpected(let name): return "parameter \(name) does not belong to this network"
        case .shapeMismatch(let name, let expected, let received): return "parameter \(name) has shape \(received), this network needs \(expected)"
        case .invalidValues(let name, let reason): return "parameter \(name): \(reason)"
        }
    }
}
