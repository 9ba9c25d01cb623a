import NexusRandom

/// A policy that knows the task: acts on observations (what the expert server receives),
/// writes `spec.actionSpace.dimension` values.
public protocol Expert: Sendable {
    var name: String { get }
    func act(_ observation: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>)
    /// Labels `rows` observations at once (an expert that can batch, e.g. a network, does).
    func act(batch observations: [Float], rows: Int, actionDim: Int) -> [Float]
}

extension Expert {
    /// Labels `rows` observations (`[rows, observationDim]`) with `actionDim` values each: what
    /// the expert server does for a batch of queries.
    public func act(batch observations: [Float], rows: Int, actionDim: Int) -> [Float] {
        guard rows > 0 else { return [] }
        precondition(observations.count % rows == 0, "\(observations.count) values are not \(rows) observations")
        let dim = observations.count / rows
        var actions = [Float](repeating: 0, count: rows * actionDim)
        observations.withUnsafeBufferPointer { all in
            actions.withUnsafeMutableBufferPointer { output in
                for row in 0..<rows {
                    act(UnsafeBufferPointer(rebasing: all[(row * dim)..<((row + 1) * dim)]),
                        into: UnsafeMutableBufferPointer(rebasing: output[(row * actionDim)..<((row + 1) * actionDim)]))
                }
            }
        }
        return actions
    }
}
