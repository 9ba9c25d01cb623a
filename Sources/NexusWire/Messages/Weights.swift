public enum ModelKind: Int32, Sendable, CaseIterable {
    case unspecified = 0
    case policy = 1
    case value = 2
    case discriminator = 3
    case reward = 4
    case worldModel = 5
    case rolloutPlan = 6
}

public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var tensor: Tensor

    public init(name: String, tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }
}

public struct Model: Sendable, Equatable {
    public var kind: ModelKind
    public var name: String
    public var architecture: String
    public var parameters: [NamedTensor]

    public init(kind: ModelKind, name: String, architecture: String = "", parameters: [NamedTensor]) {
        self.kind = kind
        self.name = name
        self.architecture = architecture
        self.parameters = parameters
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.tensor.data.count } }
}

/// A snapshot of one or more named models at a version, sealed with a checksum so that a
/// receiver never installs weights that were damaged or assembled wrongly.
public struct Weights: Sendable, Equatable {
    public var version: UInt64
    public var runID: String
    public var models: [Model]
    public var checksum: UInt64

    /// Builds weights and computes their checksum.
    public init(version: UInt64, runID: String = "", models: [Model]) {
        self.version = version
        self.runID = runID
        self.models = models
        self.checksum = WeightsChecksum.compute(models)
    }

    /// Builds weights with a given checksum (as received); `validate` checks it.
    public init(version: UInt64, runID: String, models: [Model], checksum: UInt64) {
        self.version = version
        self.runID = runID
        self.models = models
        self.checksum = checksum
    }

    public func model(named name: String) -> Model? { models.first { $0.name == name } }

    public func validate(limits: WireLimits = .default) throws {
        guard models.count <= limits.maxRepeatedMessages else {
            throw WireError.limitExceeded(field: "weights.models", value: models.count, limit: limits.maxRepeatedMessages)
        }
        var modelNames = Set<String>()
        for (index, model) in models.enumerated() {
            let field = "weights.models[\(index)]"
            guard !model.name.isEmpty else { throw WireError.missingField(field + ".name") }
            guard modelNames.insert(model.name).inserted else {
                throw WireError.invalidField(field + ".name", reason: "model name \"\(model.name)\" appears twice")
            }
            guard model.parameters.count <= limits.maxRepeatedMessages else {
                throw WireError.limitExceeded(field: field + ".parameters", value: model.parameters.count, limit: limits.maxRepeatedMessages)
            }
            var parameterNames = Set<String>()
            for (position, parameter) in model.parameters.enumerated() {
                let parameterField = field + ".parameters[\(position)]"
                guard parameterNames.insert(parameter.name).inserted else {
                    throw WireError.invalidField(parameterField + ".name", reason: "parameter name \"\(parameter.name)\" appears twice")
                }
                try parameter.tensor.validate(field: parameterField, limits: limits)
            }
        }
        let computed = WeightsChecksum.compute(models)
        guard computed == checksum else { throw WireError.checksumMismatch(expected: checksum, computed: computed) }
    }
}
