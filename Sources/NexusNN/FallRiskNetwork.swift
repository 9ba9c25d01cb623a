import Foundation

/// A learned safety critic: from an observation, the probability that the environment's unsafe
/// region is entered within a fixed number of steps under the way the copies are being driven
/// (ThriftyDAgger's risk estimate, Hoque et al. 2021, as a classifier of real outcomes rather
/// than a Bellman-backed value). An MLP `observationDim → hidden → 1` on normalised inputs
/// (fixed per-column statistics); the output is a logit. Falls that a world model's imagined
/// paths do not foresee (they develop faster than its error allows) are in the real data.
public final class FallRiskNetwork {
    public let observationDim: Int
    public let network: MLP
    private let optimiser: Adam
    /// Normalised input = (observation − shift) · scale.
    public private(set) var inputShift: [Float]
    public private(set) var inputScale: [Float]
    private var inputs: [Float] = []
    private var gradient: [Float] = []

    public static let prefix = "fall_risk"

    public init(observationDim: Int, hidden: [Int] = [64, 64], activation: Activation = .tanh, learningRate: Float = 1e-3, random: inout RandomSource) {
        self.observationDim = observationDim
        network = MLP(sizes: [observationDim] + hidden + [1], activation: activation, name: Self.prefix, random: &random)
        optimiser = Adam(parameterCount: network.parameters.count, learningRate: learningRate)
        inputShift = [Float](repeating: 0, count: observationDim)
        inputScale = [Float](repeating: 1, count: observationDim)
    }

    /// Fixes the input normalisation (scales positive and finite).
    public func setNormalisation(shift: [Float], scale: [Float]) {
        precondition(shift.count == observationDim && scale.count == observationDim && scale.allSatisfy { $0 > 0 && $0.isFinite }, "fall risk normalisation has the wrong size")
        (inputShift, inputScale) = (shift, scale)
    }

    private func normalise(_ observations: UnsafeBufferPointer<Float>, rows: Int) {
        precondition(observations.count == rows * observationDim, "fall risk: batch shape differs")
        if inputs.count != observations.count { inputs = [Float](repeating: 0, count: observations.count) }
        for index in 0..<observations.count {
            let column = index % observationDim
            inputs[index] = (observations[index] - inputShift[column]) * inputScale[column]
        }
    }

    /// One Adam step of the logistic loss on `rows` observations with outcomes in {0, 1};
    /// returns the mean loss.
    @discardableResult
    public func train(observations: [Float], outcomes: [Float], rows: Int) -> Float {
        observations.withUnsafeBufferPointer { normalise($0, rows: rows) }
        return inputs.withUnsafeBufferPointer { x in
            network.supervisedStep(x, batch: rows, optimiser: optimiser, gradient: &gradient) { logits, gradient in
                var total: Float = 0
                for row in 0..<rows {
                    let (z, y) = (logits[row], outcomes[row])
                    // softplus(z) − y·z, written to stay finite for large |z|.
                    total += max(z, 0) - y * z + log1p(exp(-abs(z)))
                    gradient[row] = (1 / (1 + exp(-z)) - y) / Float(rows)
                }
                return total / Float(rows)
            }
        }
    }

    /// The probability of each row's observation (`[rows, observationDim]`).
    public func probabilities(_ observations: UnsafeBufferPointer<Float>, rows: Int) -> [Float] {
        normalise(observations, rows: rows)
        network.forward(inputs, batch: rows)
        return network.withOutput { logits in (0..<rows).map { 1 / (1 + exp(-logits[$0])) } }
    }

    public func probabilities(_ observations: [Float], rows: Int) -> [Float] {
        observations.withUnsafeBufferPointer { probabilities($0, rows: rows) }
    }

    /// The network's parameters and the normalisation, by name (for models and checkpoints).
    public func namedTensors() -> [(name: String, shape: [Int], values: [Float])] {
        network.parameters.namedTensors() + [
            ("\(Self.prefix).input_shift", [observationDim], inputShift), ("\(Self.prefix).input_scale", [observationDim], inputScale),
        ]
    }

    /// Installs what `namedTensors` gave; refuses non-finite values and non-positive scales,
    /// changing nothing then.
    public func load(_ tensors: [(name: String, shape: [Int], values: [Float])]) throws {
        func vector(_ name: String, positive: Bool) throws -> [Float] {
            guard let tensor = tensors.first(where: { $0.name == "\(Self.prefix).\(name)" }), tensor.values.count == observationDim else {
                throw ParameterLoadError.missing("\(Self.prefix).\(name)")
            }
            guard tensor.values.allSatisfy({ $0.isFinite && (!positive || $0 > 0) }) else {
                throw ParameterLoadError.invalidValues("\(Self.prefix).\(name)", reason: positive ? "scales must be positive and finite" : "shifts must be finite")
            }
            return tensor.values
        }
        let (shift, scale) = (try vector("input_shift", positive: false), try vector("input_scale", positive: true))
        try network.parameters.load(tensors.filter { $0.name.hasPrefix(Self.prefix + ".layer") })
        (inputShift, inputScale) = (shift, scale)
    }

    /// Adam's moments, for checkpoints.
    public var optimiserState: Adam { optimiser }
}
