/// Several imperfect experts' answers for the same states, made into one label per state (the
/// published MEGA-DAgger's setting: Sun, Yang & Mangharam, 2023). Per state:
///
/// 1. Labels whose one-step prediction by the world model is unsafe (any member's) are
///    filtered out, unless every label is (then none is dropped: a label is still better than
///    none, and the safety fallback acts on the executed action anyway).
/// 2. Among the rest the score of a label is its summed distance to the other labels (Euclidean
///    for continuous actions, 0/1 for discrete ones); the lowest wins (the medoid: for discrete
///    actions the majority, for continuous ones the answer nearest the others). Ties go to the
///    expert listed first. The winner is one expert's real answer, never an average that no
///    expert gave.
///
/// The paper scores conflicting experts by safety and progress along their own rollouts; Nexus
/// has one state and K answers, so it scores by safety (the model) and agreement.
public enum LabelFusion {
    public struct Outcome: Equatable, Sendable {
        public var labels: [Float]
        /// States whose remaining labels were not all the same.
        public var conflicts = 0
        /// Labels dropped as unsafe.
        public var filtered = 0
    }

    /// `answers[k]` holds expert k's `[rows, actionDim]` labels; `unsafe(k, row)` says whether
    /// expert k's label for `row` leads to an unsafe state.
    public static func fuse(answers: [[Float]], rows: Int, actionDim: Int, discrete: Bool, unsafe: (Int, Int) -> Bool) -> Outcome {
        precondition(!answers.isEmpty && answers.allSatisfy { $0.count == rows * actionDim }, "every expert answers every row")
        guard answers.count > 1 else { return Outcome(labels: answers[0]) }
        var outcome = Outcome(labels: [Float](repeating: 0, count: rows * actionDim))
        for row in 0..<rows {
            let range = (row * actionDim)..<((row + 1) * actionDim)
            let safe = answers.indices.filter { !unsafe($0, row) }
            let candidates = safe.isEmpty ? Array(answers.indices) : safe
            if !safe.isEmpty { outcome.filtered += answers.count - safe.count }
            func distance(_ a: Int, _ b: Int) -> Float {
                if discrete { return answers[a][range] == answers[b][range] ? 0 : 1 }
                return zip(answers[a][range], answers[b][range]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            }
            var best = candidates[0], bestScore = Float.infinity
            for k in candidates {
                let score = candidates.reduce(Float(0)) { $0 + distance(k, $1) }
                if score < bestScore { (best, bestScore) = (k, score) }
            }
            if candidates.contains(where: { distance($0, best) > 0 }) { outcome.conflicts += 1 }
            outcome.labels.replaceSubrange(range, with: answers[best][range])
        }
        return outcome
    }
}
