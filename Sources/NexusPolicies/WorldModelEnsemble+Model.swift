import NexusNN
import NexusWire

/// A world-model ensemble as a `Model` in weights and checkpoints: kind `.worldModel`, name
/// "world_model", architecture "ensemble K mlp A-B-…-Z tanh|relu" (A = observation + action,
/// Z = observation), every member's layers and the four normalisation vectors.
extension WorldModelEnsemble {
    public static let modelName = "world_model"
    /// More members than this in a received model is refused before anything is allocated.
    public static let maxMembers = 64

    public var architecture: String {
        "ensemble \(members.count) mlp \(sizes.map(String.init).joined(separator: "-")) \(activation.rawValue)"
    }

    public func model() -> Model {
        Model(
            kind: .worldModel, name: Self.modelName, architecture: architecture,
            parameters: namedTensors().map(NamedTensor.init(parameter:)))
    }

    /// Rebuilds an ensemble from a model for an environment with these dimensions, checking the
    /// architecture and the parameter count before allocating.
    public static func make(model: Model, observationDim: Int, actionDim: Int) throws -> WorldModelEnsemble {
        let words = model.architecture.split(separator: " ")
        guard model.kind == .worldModel, words.count == 5, words[0] == "ensemble", words[2] == "mlp",
            let count = Int(words[1]), (2...maxMembers).contains(count),
            let sizes = MLP.layerSizes(words[3]), (2...MLP.maxReceivedLayers + 1).contains(sizes.count),
            sizes.allSatisfy({ $0 > 0 }), let activation = Activation(rawValue: String(words[4]))
        else {
            throw PolicyError(description: "world model \"\(model.architecture)\" is not \"ensemble K mlp A-…-Z tanh|relu\" with 2 to \(maxMembers) members of at most \(MLP.maxReceivedLayers) layers")
        }
        guard sizes.first == observationDim + actionDim, sizes.last == observationDim else {
            throw PolicyError(description: "world model \(model.architecture) does not fit \(observationDim) observations and \(actionDim) actions")
        }
        let normalisation = 2 * (observationDim + actionDim) + 2 * observationDim
        guard let perMember = MLP.parameterCount(sizes: sizes), case let (network, overflow) = perMember.multipliedReportingOverflow(by: count), !overflow,
            model.parameters.reduce(0, { $0 + $1.tensor.data.count }) == network + normalisation
        else {
            throw PolicyError(description: "world model \(model.architecture) does not match the parameters it carries")
        }
        var random = RandomSource(seed: 0)
        let ensemble = WorldModelEnsemble(
            observationDim: observationDim, actionDim: actionDim, hidden: Array(sizes.dropFirst().dropLast()), activation: activation,
            members: count, random: &random)
        do {
            try ensemble.load(model.parameters.map { ($0.name, $0.tensor.shape, $0.tensor.data) })
        } catch let error as ParameterLoadError {
            throw PolicyError(description: "world model parameters do not fit \(model.architecture): \(error)")
        }
        return ensemble
    }
}
