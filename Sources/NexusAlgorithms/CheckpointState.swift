import NexusNN
import NexusPolicies
import NexusWire

/// An algorithm's checkpoint state as named tensors: what every algorithm writes (optimiser
/// moments, counters) and reads back, with missing entries named.
public struct CheckpointState {
    public private(set) var tensors: [NamedTensor]

    public init(_ tensors: [NamedTensor] = []) { self.tensors = tensors }

    public mutating func add(_ name: String, _ values: [Float]) {
        tensors.append(NamedTensor(name: name, tensor: Tensor(shape: [values.count], data: values)))
    }

    public mutating func add(_ optimiser: Adam, prefix: String) {
        let state = optimiser.state
        add("\(prefix).first_moment", state.firstMoment)
        add("\(prefix).second_moment", state.secondMoment)
        add("\(prefix).step", [Float(state.step)])
    }

    /// Whether an entry is there (for entries later versions added).
    public func has(_ name: String) -> Bool { tensors.contains { $0.name == name } }

    public func values(_ name: String) throws -> [Float] {
        guard let tensor = tensors.first(where: { $0.name == name }) else { throw WireError.missingField("checkpoint.state.\(name)") }
        return tensor.tensor.data
    }

    /// One number, as a count: refused unless finite and in range.
    public func count(_ name: String) throws -> Int {
        guard let value = try values(name).first, value.isFinite, value >= 0, value < Float(Int32.max) else {
            throw WireError.invalidField("checkpoint.state.\(name)", reason: "not a count")
        }
        return Int(value)
    }

    public func restore(_ optimiser: Adam, prefix: String) throws {
        try optimiser.restore(
            step: try count("\(prefix).step"), firstMoment: try values("\(prefix).first_moment"), secondMoment: try values("\(prefix).second_moment"))
    }

    /// Installs the `.policy` model of a checkpoint's weights.
    public static func restorePolicy(_ policy: PolicyNetwork, from models: [Model]) throws {
        guard let model = models.first(where: { $0.kind == .policy }) else { throw WireError.missingField("checkpoint.weights.policy") }
        try policy.load(model)
    }
}
