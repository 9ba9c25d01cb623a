import NexusNN
import NexusWire

/// A policy as it travels in `Weights` and checkpoints: a `Model` of kind `.policy` whose
/// architecture string reads `mlp 4-64-64-2 tanh categorical` (or `… gaussian`, with a
/// state-independent `policy.log_std` parameter). Acts deterministically (the most likely
/// action, or the mean) for evaluation.
public final class PolicyNetwork {
    public enum Head: String, Sendable { case categorical, gaussian }

    public let sizes: [Int]
    public let activation: Activation
    public let head: Head
    public let mlp: MLP
    private var logStd: [Float]

    public init(sizes: [Int], activation: Activation, head: Head, random: inout RandomSource) {
        self.sizes = sizes
        self.activation = activation
        self.head = head
        mlp = MLP(sizes: sizes, activation: activation, name: "policy", outputInitialisation: .orthogonal(gain: 0.01), random: &random)
        logStd = head == .gaussian ? [Float](repeating: 0, count: sizes.last!) : []
    }

    public var architecture: String {
        "mlp \(sizes.map(String.init).joined(separator: "-")) \(activation.rawValue) \(head.rawValue)"
    }

    /// The network as a `.policy` model.
    public func model() -> Model {
        var parameters = mlp.parameters.namedTensors().map { NamedTensor(name: $0.name, tensor: Tensor(shape: $0.shape, data: $0.values)) }
        if head == .gaussian { parameters.append(NamedTensor(name: "policy.log_std", tensor: Tensor(shape: [logStd.count], data: logStd))) }
        return Model(kind: .policy, name: "policy", architecture: architecture, parameters: parameters)
    }

    /// Rebuilds a policy from a model, checking the architecture and every parameter.
    public convenience init(model: Model) throws {
        guard model.kind == .policy else { throw PolicyError(description: "model \"\(model.name)\" is not a policy (\(model.kind))") }
        let words = model.architecture.split(separator: " ")
        guard words.count == 4, words[0] == "mlp",
            case let sizes = words[1].split(separator: "-").compactMap({ Int($0) }), sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }),
            sizes.count == words[1].split(separator: "-").count,
            let activation = Activation(rawValue: String(words[2])), let head = Head(rawValue: String(words[3]))
        else {
            throw PolicyError(description: "policy architecture \"\(model.architecture)\" is not \"mlp A-B-…-Z tanh|relu|identity categorical|gaussian\"")
        }
        var random = RandomSource(seed: 0)
        self.init(sizes: sizes, activation: activation, head: head, random: &random)
        let network = model.parameters.filter { $0.name != "policy.log_std" }
        do {
            try mlp.parameters.load(network.map { ($0.name, $0.tensor.shape, $0.tensor.data) })
        } catch let error as ParameterLoadError {
            throw PolicyError(description: "policy parameters do not fit \(model.architecture): \(error)")
        }
        if head == .gaussian {
            guard let logStd = model.parameters.first(where: { $0.name == "policy.log_std" }), logStd.tensor.data.count == sizes.last! else {
                throw PolicyError(description: "a gaussian policy needs policy.log_std with \(sizes.last!) values")
            }
            self.logStd = logStd.tensor.data
        }
    }

    /// The deterministic action for one observation.
    public func act(_ observation: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        mlp.forward(observation, batch: 1)
        mlp.withOutput { output in
            switch head {
            case .categorical: action[0] = Float(CategoricalHead.mode(output, row: 0, actions: sizes.last!))
            case .gaussian: for index in 0..<action.count { action[index] = output[index] }
            }
        }
    }
}

public struct PolicyError: Error, Equatable, CustomStringConvertible {
    public let description: String
}
