import NexusNN
import NexusPolicies

/// MEGA-DAgger's imagination: from real states the workers just visited, the learner rolls
/// the world model forward under the current policy and keeps the imagined states where the
/// model is confident (disagreement below τ) — states the policy is about to reach. Of those
/// it picks the few worth an expert label: greedily, the state farthest (in the policy's
/// normalised inputs) from every labelled state and from the states already picked
/// (farthest-point selection, a k-center cover). The expert labels them before the policy
/// gets there. Pure: the learner's shell asks the expert.
public enum Imagination {
    /// Up to `count` imagined states (`[k, observationDim]`).
    public static func statesWorthLabels(
        from starts: [Float], ensemble: WorldModelEnsemble, policy: PolicyNetwork, horizon: Int, confidentBelow threshold: Float,
        labelled: LabelledDataset, count: Int, random: inout RandomSource
    ) -> [Float] {
        let dim = ensemble.observationDim
        let rows = starts.count / dim
        guard count > 0, horizon > 0, rows > 0 else { return [] }
        var candidates: [Float] = []
        var states = starts
        var actions = [Float](repeating: 0, count: rows * ensemble.actionDim)
        for _ in 0..<horizon {
            states.withUnsafeBufferPointer { s in actions.withUnsafeMutableBufferPointer { policy.act(batch: s, rows: rows, into: $0) } }
            let (next, disagreement) = ensemble.predict(observations: states, actions: actions, batch: rows)
            for row in 0..<rows where disagreement[row] < threshold {
                candidates += next[(row * dim)..<((row + 1) * dim)]
            }
            states = next
        }
        let pool = candidates.count / dim
        guard pool > 0 else { return [] }
        // Distances in the policy's normalised inputs, so every dimension weighs alike.
        let scale = policy.inputScale
        func distance(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
            var sum: Float = 0
            for (column, (x, y)) in zip(a, b).enumerated() {
                let d = (x - y) * scale[column]
                sum += d * d
            }
            return sum
        }
        // Novelty against a sample of the labels (all of them when few).
        let sample = min(labelled.count, 512)
        var nearest = [Float](repeating: .infinity, count: pool)
        for _ in 0..<sample {
            let pick = Int(random.next() % UInt64(labelled.count))
            let label = labelled.observations[(pick * dim)..<((pick + 1) * dim)]
            for index in 0..<pool { nearest[index] = min(nearest[index], distance(candidates[(index * dim)..<((index + 1) * dim)], label)) }
        }
        var chosen: [Float] = []
        for _ in 0..<min(count, pool) {
            guard let best = nearest.indices.max(by: { nearest[$0] < nearest[$1] }), nearest[best] > 0 else { break }
            let state = candidates[(best * dim)..<((best + 1) * dim)]
            chosen += state
            for index in 0..<pool { nearest[index] = min(nearest[index], distance(candidates[(index * dim)..<((index + 1) * dim)], state)) }
        }
        return chosen
    }
}
