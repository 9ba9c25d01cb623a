import NexusNN
import NexusWire
import NexusErrors

/// A policy as it travels in `Weights` and checkpoints: a `Model` of kind `.policy` whose
/// architecture string reads `mlp 4-64-64-2 tanh categorical` (or `… gaussian`, with a
/// state-independent `policy.log_std` parameter). Observations are normalised first,
/// `(x − policy.input_shift) · policy.input_scale`, with statistics the learner fixed from its
/// data (identity until then): raw scales differ by 100× between an angle and a velocity.
/// Acts deterministically (the most likely action, or the mean) or samples, with the
/// log-probability of what it chose. The Gaussian log-std lives in the same parameter store as
/// the network, so one optimiser trains both.
public final class PolicyNetwork {
    public enum Head: String, Sendable { case categorical, gaussian }

    public let sizes: [Int]
    public let activation: Activation
    public let head: Head
    public let mlp: MLP
    /// Offset of `policy.log_std` in `mlp.parameters` (gaussian only).
    let logStdOffset: Int?
    public private(set) var inputShift: [Float]
    public private(set) var inputScale: [Float]
    private var normalised: [Float] = []

    /// - Parameter orthogonal: orthogonal weights (gain √2 or 5/3 hidden, 0.01 on the output, so
    ///   the first actions are near the centre), as SB3's `ortho_init`; false: PyTorch's uniform
    ///   default on every layer (rl-baselines3-zoo's MuJoCo settings).
    public init(sizes: [Int], activation: Activation, head: Head, logStdInit: Float = 0, orthogonal: Bool = true, random: inout RandomSource) {
        self.sizes = sizes
        self.activation = activation
        self.head = head
        mlp = MLP(
            sizes: sizes, activation: activation, name: "policy", hiddenInitialisation: orthogonal ? nil : .uniform,
            outputInitialisation: orthogonal ? .orthogonal(gain: 0.01) : .uniform, random: &random)
        logStdOffset = head == .gaussian ? mlp.parameters.add(Self.logStdName, shape: [sizes.last!]) { _ in logStdInit } : nil
        inputShift = [Float](repeating: 0, count: sizes[0])
        inputScale = [Float](repeating: 1, count: sizes[0])
    }

    public var inputSize: Int { sizes[0] }
    public var outputSize: Int { sizes[sizes.count - 1] }
    /// Values per action: 1 (an index) for categorical, one per output for gaussian.
    public var actionDim: Int { head == .categorical ? 1 : outputSize }

    static let logStdName = "policy.log_std"

    /// The Gaussian head's log standard deviations (empty for categorical).
    public var logStd: [Float] {
        guard let logStdOffset else { return [] }
        return Array(mlp.parameters.values[logStdOffset..<(logStdOffset + outputSize)])
    }

    public var architecture: String {
        "mlp \(sizes.map(String.init).joined(separator: "-")) \(activation.rawValue) \(head.rawValue)"
    }

    /// Fixes the input normalisation; scales must be finite and positive.
    public func setInputNormalisation(shift: [Float], scale: [Float]) {
        precondition(shift.count == inputSize && scale.count == inputSize, "normalisation needs \(inputSize) values")
        precondition(scale.allSatisfy { $0.isFinite && $0 > 0 } && shift.allSatisfy(\.isFinite), "normalisation must be finite, scales positive")
        inputShift = shift
        inputScale = scale
    }

    /// Writes the normalised rows of `observations` into `output`.
    public func normalise(_ observations: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        let dim = inputSize
        for index in 0..<observations.count {
            let column = index % dim
            output[index] = (observations[index] - inputShift[column]) * inputScale[column]
        }
    }

    /// The network as a `.policy` model.
    public func model() -> Model {
        var parameters = mlp.parameters.namedTensors().map(NamedTensor.init(parameter:))
        parameters.append(NamedTensor(name: "policy.input_shift", tensor: Tensor(shape: [inputSize], data: inputShift)))
        parameters.append(NamedTensor(name: "policy.input_scale", tensor: Tensor(shape: [inputSize], data: inputScale)))
        return Model(kind: .policy, name: "policy", architecture: architecture, parameters: parameters)
    }

    private static let normalisationParameters: Set<String> = ["policy.input_shift", "policy.input_scale"]

    /// Rebuilds a policy from a model, checking the architecture and every parameter.
    public convenience init(model: Model) throws {
        guard model.kind == .policy else { throw PolicyError(description: "model \"\(model.name)\" is not a policy (\(model.kind))") }
        let words = model.architecture.split(separator: " ")
        guard words.count == 4, words[0] == "mlp",
            let sizes = MLP.layerSizes(words[1]), sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }),
            let activation = Activation(rawValue: String(words[2])), let head = Head(rawValue: String(words[3]))
        else {
            throw PolicyError(description: "policy architecture \"\(model.architecture)\" is not \"mlp A-B-…-Z tanh|relu|identity categorical|gaussian\"")
        }
        // The sizes must account for the parameters the model carries before anything is
        // allocated: "mlp 4-100000000-2" in a small message must not allocate gigabytes.
        guard let network = MLP.parameterCount(sizes: sizes) else {
            throw PolicyError(description: "policy architecture \"\(model.architecture)\" is too large")
        }
        let expected = network + (head == .gaussian ? sizes[sizes.count - 1] : 0)
        let carried = model.parameters.filter { !Self.normalisationParameters.contains($0.name) }.reduce(0) { $0 + $1.tensor.data.count }
        guard carried == expected else {
            throw PolicyError(description: "policy \"\(model.architecture)\" needs \(expected) parameters, the model carries \(carried)")
        }
        var random = RandomSource(seed: 0)
        self.init(sizes: sizes, activation: activation, head: head, random: &random)
        try load(model)
    }

    /// Installs the parameters of a model with this network's architecture.
    public func load(_ model: Model) throws {
        guard model.architecture == architecture else {
            throw PolicyError(description: "policy \"\(model.architecture)\" does not fit this network (\(architecture))")
        }
        if head == .gaussian, !model.parameters.contains(where: { $0.name == Self.logStdName }) {
            throw PolicyError(description: "a gaussian policy needs \(Self.logStdName) with \(outputSize) values")
        }
        let network = model.parameters.filter { !Self.normalisationParameters.contains($0.name) }
        do {
            try mlp.parameters.load(network.map { ($0.name, $0.tensor.shape, $0.tensor.data) })
        } catch let error as ParameterLoadError {
            throw PolicyError(description: "policy parameters do not fit \(model.architecture): \(error)")
        }
        func vector(_ name: String, count: Int) throws -> [Float]? {
            guard let parameter = model.parameters.first(where: { $0.name == name }) else { return nil }
            guard parameter.tensor.data.count == count else {
                throw PolicyError(description: "\(name) has \(parameter.tensor.data.count) values, expected \(count)")
            }
            return parameter.tensor.data
        }
        if let shift = try vector("policy.input_shift", count: inputSize), let scale = try vector("policy.input_scale", count: inputSize) {
            guard scale.allSatisfy({ $0.isFinite && $0 > 0 }), shift.allSatisfy(\.isFinite) else {
                throw PolicyError(description: "policy.input_scale must be positive and policy.input_shift finite")
            }
            inputShift = shift
            inputScale = scale
        }
    }

    /// Deterministic actions for `rows` observations (`[rows, inputSize]`) into
    /// `actions` (`[rows, actionDim]`).
    public func act(batch observations: UnsafeBufferPointer<Float>, rows: Int, into actions: UnsafeMutableBufferPointer<Float>) {
        precondition(observations.count == rows * inputSize, "policy input has \(observations.count) values, expected \(rows)×\(inputSize)")
        forwardRaw(observations, rows: rows)
        let outputs = outputSize
        mlp.withOutput { output in
            for row in 0..<rows {
                switch head {
                case .categorical: actions[row] = Float(CategoricalHead.mode(output, row: row, actions: outputs))
                case .gaussian: for index in 0..<outputs { actions[row * outputs + index] = output[row * outputs + index] }
                }
            }
        }
    }

    /// Normalises raw observations and runs the network on them.
    func forwardRaw(_ observations: UnsafeBufferPointer<Float>, rows: Int) {
        if normalised.count != observations.count { normalised = [Float](repeating: 0, count: observations.count) }
        normalised.withUnsafeMutableBufferPointer { normalise(observations, into: $0) }
        normalised.withUnsafeBufferPointer { mlp.forward($0, batch: rows) }
    }

    /// The deterministic action for one observation.
    public func act(_ observation: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        act(batch: observation, rows: 1, into: UnsafeMutableBufferPointer(rebasing: action[0..<actionDim]))
    }
}

/// A policy model that does not describe a usable network.
public typealias PolicyError = DescribedError<PolicyProblem>
public enum PolicyProblem {}
