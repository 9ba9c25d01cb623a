/// K independently initialised MLPs that predict the change of the observation from
/// (observation, action). Inputs and targets are normalised with fixed per-column statistics
/// (`setNormalisation`), so that every state dimension weighs alike in the loss and in the
/// disagreement. The members' mean is the prediction; their spread (the standard deviation
/// across members of the normalised change, averaged over dimensions) is the disagreement
/// MEGA-DAgger gates on: large where the members were not trained, in units of a typical
/// change, so one threshold reads the same on every environment.
public final class WorldModelEnsemble {
    public let observationDim: Int
    public let actionDim: Int
    public let hidden: [Int]
    public let activation: Activation
    public let members: [MLP]
    private let optimisers: [Adam]
    /// Normalised input = (input − shift) · scale, over the observation then the action.
    public private(set) var inputShift: [Float]
    public private(set) var inputScale: [Float]
    /// Normalised target = (Δs − shift) · scale.
    public private(set) var deltaShift: [Float]
    public private(set) var deltaScale: [Float]
    /// `predict`'s packed inputs.
    private var inputs: [Float] = []
    /// Each member's own training buffers: members may train at once, on two threads.
    private let scratch: [TrainingScratch]

    private final class TrainingScratch {
        var inputs: [Float] = []
        var targets: [Float] = []
        var gradient: [Float] = []
    }

    public init(
        observationDim: Int, actionDim: Int, hidden: [Int] = [64, 64], activation: Activation = .tanh, members count: Int = 5,
        learningRate: Float = 1e-3, random: inout RandomSource
    ) {
        precondition(count >= 2, "an ensemble needs at least two members to disagree")
        self.observationDim = observationDim
        self.actionDim = actionDim
        self.hidden = hidden
        self.activation = activation
        var members: [MLP] = []
        for index in 0..<count {
            members.append(MLP(
                sizes: [observationDim + actionDim] + hidden + [observationDim], activation: activation,
                name: Self.memberName(index), random: &random))
        }
        self.members = members
        optimisers = members.map { Adam(parameterCount: $0.parameters.count, learningRate: learningRate) }
        scratch = members.map { _ in TrainingScratch() }
        inputShift = [Float](repeating: 0, count: observationDim + actionDim)
        inputScale = [Float](repeating: 1, count: observationDim + actionDim)
        deltaShift = [Float](repeating: 0, count: observationDim)
        deltaScale = [Float](repeating: 1, count: observationDim)
    }

    static func memberName(_ index: Int) -> String { "world_model.member\(index)" }

    /// The layer sizes of every member.
    public var sizes: [Int] { [observationDim + actionDim] + hidden + [observationDim] }

    /// Fixes the normalisation (from the first real transitions; moving it later would shift
    /// what the members have learned). Scales must be positive and finite.
    public func setNormalisation(inputShift: [Float], inputScale: [Float], deltaShift: [Float], deltaScale: [Float]) {
        precondition(
            inputShift.count == observationDim + actionDim && inputScale.count == inputShift.count
                && deltaShift.count == observationDim && deltaScale.count == observationDim, "world model normalisation has the wrong size")
        (self.inputShift, self.inputScale, self.deltaShift, self.deltaScale) = (inputShift, inputScale, deltaShift, deltaScale)
    }

    private func packInputs(observations: UnsafeBufferPointer<Float>, actions: UnsafeBufferPointer<Float>, batch: Int) {
        Self.pack(observations: observations, actions: actions, batch: batch, into: &inputs, shift: inputShift, scale: inputScale, dims: (observationDim, actionDim))
    }

    private static func pack(
        observations: UnsafeBufferPointer<Float>, actions: UnsafeBufferPointer<Float>, batch: Int, into inputs: inout [Float], shift inputShift: [Float],
        scale inputScale: [Float], dims: (Int, Int)
    ) {
        let (observationDim, actionDim) = dims
        precondition(observations.count == batch * observationDim && actions.count == batch * actionDim, "world model: batch shapes differ")
        let width = observationDim + actionDim
        if inputs.count != batch * width { inputs = [Float](repeating: 0, count: batch * width) }
        for row in 0..<batch {
            for column in 0..<observationDim {
                inputs[row * width + column] = (observations[row * observationDim + column] - inputShift[column]) * inputScale[column]
            }
            for column in 0..<actionDim {
                let input = observationDim + column
                inputs[row * width + input] = (actions[row * actionDim + column] - inputShift[input]) * inputScale[input]
            }
        }
    }

    /// One Adam step of `member` on a batch of (observation, action, next observation); returns
    /// its mean squared error in normalised units. Which rows each member sees (bootstrap) is
    /// the caller's choice. Different members may train at the same time on different threads
    /// (each has its own buffers); nothing else may run on the ensemble meanwhile.
    @discardableResult
    public func train(member: Int, observations: [Float], actions: [Float], nextObservations: [Float], batch: Int) -> Float {
        let own = scratch[member]
        observations.withUnsafeBufferPointer { o in
            actions.withUnsafeBufferPointer {
                Self.pack(observations: o, actions: $0, batch: batch, into: &own.inputs, shift: inputShift, scale: inputScale, dims: (observationDim, actionDim))
            }
        }
        if own.targets.count != batch * observationDim { own.targets = [Float](repeating: 0, count: batch * observationDim) }
        for index in 0..<(batch * observationDim) {
            let column = index % observationDim
            own.targets[index] = (nextObservations[index] - observations[index] - deltaShift[column]) * deltaScale[column]
        }
        return own.inputs.withUnsafeBufferPointer { x in
            members[member].supervisedStep(x, batch: batch, optimiser: optimisers[member], gradient: &own.gradient) { predictions, gradient in
                own.targets.withUnsafeBufferPointer { Losses.meanSquaredError(predictions: predictions, targets: $0, batch: batch, gradient: gradient) }
            }
        }
    }

    /// One step of every member on the same batch; returns their mean loss.
    @discardableResult
    public func train(observations: [Float], actions: [Float], nextObservations: [Float], batch: Int) -> Float {
        let total = members.indices.reduce(Float(0)) { $0 + train(member: $1, observations: observations, actions: actions, nextObservations: nextObservations, batch: batch) }
        return total / Float(members.count)
    }

    /// Predicted next observations (`[batch, observationDim]`) and each row's disagreement;
    /// `eachMember`, when given, sees every member's own prediction (`[batch, observationDim]`)
    /// too (a pessimistic lookahead asks whether any member foresees danger).
    public func predict(
        observations: UnsafeBufferPointer<Float>, actions: UnsafeBufferPointer<Float>, batch: Int,
        eachMember: ((UnsafeBufferPointer<Float>) -> Void)? = nil
    ) -> (nextObservations: [Float], disagreement: [Float]) {
        packInputs(observations: observations, actions: actions, batch: batch)
        var memberNext = eachMember == nil ? [] : [Float](repeating: 0, count: batch * observationDim)
        let count = batch * observationDim
        var sum = [Float](repeating: 0, count: count)
        var sumOfSquares = sum
        for member in members {
            member.forward(inputs, batch: batch)
            member.withOutput { output in
                for index in 0..<count {
                    sum[index] += output[index]
                    sumOfSquares[index] += output[index] * output[index]
                }
                if let eachMember {
                    for index in 0..<count {
                        let column = index % observationDim
                        memberNext[index] = observations[index] + output[index] / deltaScale[column] + deltaShift[column]
                    }
                    memberNext.withUnsafeBufferPointer(eachMember)
                }
            }
        }
        let members = Float(self.members.count)
        var next = [Float](repeating: 0, count: count)
        var disagreement = [Float](repeating: 0, count: batch)
        for row in 0..<batch {
            var spread: Float = 0
            for column in 0..<observationDim {
                let index = row * observationDim + column
                let mean = sum[index] / members
                next[index] = observations[index] + mean / deltaScale[column] + deltaShift[column]
                spread += max(0, sumOfSquares[index] / members - mean * mean).squareRoot()
            }
            disagreement[row] = spread / Float(observationDim)
        }
        return (next, disagreement)
    }

    public func predict(observations: [Float], actions: [Float], batch: Int) -> (nextObservations: [Float], disagreement: [Float]) {
        observations.withUnsafeBufferPointer { o in actions.withUnsafeBufferPointer { predict(observations: o, actions: $0, batch: batch) } }
    }

    /// Every member's parameters and the normalisation, by name (for models and checkpoints).
    public func namedTensors() -> [(name: String, shape: [Int], values: [Float])] {
        members.flatMap { $0.parameters.namedTensors() } + [
            ("world_model.input_shift", [inputShift.count], inputShift), ("world_model.input_scale", [inputScale.count], inputScale),
            ("world_model.delta_shift", [deltaShift.count], deltaShift), ("world_model.delta_scale", [deltaScale.count], deltaScale),
        ]
    }

    /// Installs what `namedTensors` gave (same sizes); refuses non-finite values and
    /// non-positive scales, changing nothing then.
    public func load(_ tensors: [(name: String, shape: [Int], values: [Float])]) throws {
        func vector(_ name: String, count: Int, positive: Bool) throws -> [Float] {
            guard let tensor = tensors.first(where: { $0.name == name }), tensor.values.count == count else {
                throw ParameterLoadError.missing(name)
            }
            guard tensor.values.allSatisfy({ $0.isFinite && (!positive || $0 > 0) }) else {
                throw ParameterLoadError.invalidValues(name, reason: positive ? "scales must be positive and finite" : "shifts must be finite")
            }
            return tensor.values
        }
        let width = observationDim + actionDim
        let normalisation = (
            try vector("world_model.input_shift", count: width, positive: false), try vector("world_model.input_scale", count: width, positive: true),
            try vector("world_model.delta_shift", count: observationDim, positive: false),
            try vector("world_model.delta_scale", count: observationDim, positive: true))
        for (index, member) in members.enumerated() {
            let prefix = Self.memberName(index) + "."
            try member.parameters.load(tensors.filter { $0.name.hasPrefix(prefix) })
        }
        setNormalisation(inputShift: normalisation.0, inputScale: normalisation.1, deltaShift: normalisation.2, deltaScale: normalisation.3)
    }

    /// Adam moments of every member, for checkpoints.
    public var optimiserStates: [Adam] { optimisers }
}
