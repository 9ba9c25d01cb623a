/// K independently initialised MLPs that predict the change of the observation from
/// (observation, action). Their mean is the prediction; their spread (the mean over
/// dimensions of the standard deviation across members) is the disagreement that
/// MEGA-DAgger uses as its uncertainty: large where the members were not trained.
public final class WorldModelEnsemble {
    public let observationDim: Int
    public let actionDim: Int
    public let members: [MLP]
    private let optimisers: [Adam]
    private var inputs: [Float] = []
    private var gradient: [Float] = []

    public init(
        observationDim: Int, actionDim: Int, hidden: [Int] = [64, 64], members count: Int = 5,
        learningRate: Float = 1e-3, random: inout RandomSource
    ) {
        precondition(count >= 2, "an ensemble needs at least two members to disagree")
        self.observationDim = observationDim
        self.actionDim = actionDim
        var members: [MLP] = []
        for index in 0..<count {
            members.append(MLP(
                sizes: [observationDim + actionDim] + hidden + [observationDim], activation: .tanh,
                name: "world_model.member\(index)", random: &random))
        }
        self.members = members
        optimisers = members.map { Adam(parameterCount: $0.parameters.count, learningRate: learningRate) }
    }

    private func packInputs(observations: [Float], actions: [Float], batch: Int) {
        precondition(observations.count == batch * observationDim && actions.count == batch * actionDim, "world model: batch shapes differ")
        let width = observationDim + actionDim
        if inputs.count != batch * width { inputs = [Float](repeating: 0, count: batch * width) }
        for row in 0..<batch {
            for column in 0..<observationDim { inputs[row * width + column] = observations[row * observationDim + column] }
            for column in 0..<actionDim { inputs[row * width + observationDim + column] = actions[row * actionDim + column] }
        }
    }

    /// One Adam step of every member on the batch (mean squared error on the change);
    /// returns the members' mean loss.
    @discardableResult
    public func train(observations: [Float], actions: [Float], nextObservations: [Float], batch: Int) -> Float {
        packInputs(observations: observations, actions: actions, batch: batch)
        let targets = zip(nextObservations, observations).map { $0 - $1 }
        var total: Float = 0
        for (member, optimiser) in zip(members, optimisers) {
            total += inputs.withUnsafeBufferPointer { x in
                member.supervisedStep(x, batch: batch, optimiser: optimiser, gradient: &gradient) { predictions, gradient in
                    targets.withUnsafeBufferPointer { Losses.meanSquaredError(predictions: predictions, targets: $0, batch: batch, gradient: gradient) }
                }
            }
        }
        return total / Float(members.count)
    }

    /// Predicted next observations (`[batch, observationDim]`) and each row's disagreement.
    public func predict(observations: [Float], actions: [Float], batch: Int) -> (nextObservations: [Float], disagreement: [Float]) {
        packInputs(observations: observations, actions: actions, batch: batch)
        var sum = [Float](repeating: 0, count: batch * observationDim)
        var sumOfSquares = sum
        for member in members {
            member.forward(inputs, batch: batch)
            member.withOutput { output in
                for index in output.indices {
                    sum[index] += output[index]
                    sumOfSquares[index] += output[index] * output[index]
                }
            }
        }
        let count = Float(members.count)
        var next = observations
        var disagreement = [Float](repeating: 0, count: batch)
        for row in 0..<batch {
            var spread: Float = 0
            for column in 0..<observationDim {
                let index = row * observationDim + column
                let mean = sum[index] / count
                next[index] += mean
                spread += max(0, sumOfSquares[index] / count - mean * mean).squareRoot()
            }
            disagreement[row] = spread / Float(observationDim)
        }
        return (next, disagreement)
    }
}
