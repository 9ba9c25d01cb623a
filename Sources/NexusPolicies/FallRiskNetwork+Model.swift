import NexusNN
import NexusWire

/// A fall-risk critic as a `Model` in weights and checkpoints: kind `.value` (a risk value, as
/// ThriftyDAgger's), name "fall_risk", architecture "risk mlp D-…-1 tanh|relu", its layers and
/// the two normalisation vectors.
extension FallRiskNetwork {
    public static let modelName = prefix

    public var architecture: String {
        "risk mlp \(network.sizes.map(String.init).joined(separator: "-")) \(network.activation.rawValue)"
    }

    public func model() -> Model {
        Model(
            kind: .value, name: Self.modelName, architecture: architecture,
            parameters: namedTensors().map(NamedTensor.init(parameter:)))
    }

    /// Rebuilds a critic from a model for observations of `observationDim`, checking the
    /// architecture and the parameter count before allocating.
    public static func make(model: Model, observationDim: Int) throws -> FallRiskNetwork {
        let words = model.architecture.split(separator: " ")
        guard model.kind == .value, model.name == modelName, words.count == 4, words[0] == "risk", words[1] == "mlp",
            let sizes = MLP.layerSizes(words[2]), (2...MLP.maxReceivedLayers + 1).contains(sizes.count),
            sizes.allSatisfy({ (1...65536).contains($0) }), sizes.last == 1, let activation = Activation(rawValue: String(words[3]))
        else {
            throw PolicyError(description: "fall risk model \"\(model.architecture)\" is not \"risk mlp D-…-1 tanh|relu\" of at most \(MLP.maxReceivedLayers) layers")
        }
        guard sizes.first == observationDim else {
            throw PolicyError(description: "fall risk model \(model.architecture) does not fit \(observationDim) observations")
        }
        guard let count = MLP.parameterCount(sizes: sizes), model.parameters.reduce(0, { $0 + $1.tensor.data.count }) == count + 2 * observationDim else {
            throw PolicyError(description: "fall risk model \(model.architecture) does not match the parameters it carries")
        }
        var random = RandomSource(seed: 0)
        let critic = FallRiskNetwork(observationDim: observationDim, hidden: Array(sizes.dropFirst().dropLast()), activation: activation, random: &random)
        do {
            try critic.load(model.parameters.map { ($0.name, $0.tensor.shape, $0.tensor.data) })
        } catch let error as ParameterLoadError {
            throw PolicyError(description: "fall risk parameters do not fit \(model.architecture): \(error)")
        }
        return critic
    }
}
