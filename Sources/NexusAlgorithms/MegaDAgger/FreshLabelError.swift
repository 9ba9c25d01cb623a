import NexusPolicies

/// How far the policy that drove stands from the expert on states the expert has just
/// labelled, before the policy is trained on them: a held-out error on the states the runs
/// visit now. For continuous actions the share of the labels' variance the policy leaves
/// unexplained (1 − R², pooled over action dimensions; 0 a perfect copy, 1 no better than the
/// labels' mean; more for a worse one), for discrete ones the share of states where it would act
/// otherwise, with Laplace's rule of succession ((wrong + 1) / (rows + 2)): a handful of states
/// all agreed on is no proof the policy never errs, and a ceiling of exactly 0 would leave β
/// nothing to measure with.
public struct FreshLabelError: Sendable, Equatable {
    public let head: PolicyNetwork.Head
    public let actionDim: Int
    public private(set) var rows = 0
    private var wrong = 0
    private var sum: [Double]
    private var square: [Double]
    private var residual: [Double]

    public init(head: PolicyNetwork.Head, actionDim: Int) {
        self.head = head
        self.actionDim = actionDim
        (sum, square, residual) = ([Double](repeating: 0, count: actionDim), [Double](repeating: 0, count: actionDim), [Double](repeating: 0, count: actionDim))
    }

    /// Forgets every state added.
    public mutating func reset() { self = FreshLabelError(head: head, actionDim: actionDim) }

    /// Adds `rows` states' policy actions and expert labels (both `[rows, actionDim]`).
    public mutating func add(policyActions: [Float], labels: [Float], rows count: Int) {
        precondition(policyActions.count == count * actionDim && labels.count == count * actionDim, "one action and one label a row")
        rows += count
        switch head {
        case .categorical:
            wrong += (0..<count).lazy.filter { policyActions[$0] != labels[$0] }.count
        case .gaussian:
            for index in 0..<(count * actionDim) {
                let (label, column) = (Double(labels[index]), index % actionDim)
                sum[column] += label
                square[column] += label * label
                let miss = Double(policyActions[index]) - label
                residual[column] += miss * miss
            }
        }
    }

    /// The error over the states added (nil before any).
    public var value: Double? {
        guard rows > 0 else { return nil }
        switch head {
        case .categorical: return Double(wrong + 1) / Double(rows + 2)
        case .gaussian:
            let n = Double(rows)
            // The labels' spread, floored so that a constant label leaves a finite ratio.
            let spread = (0..<actionDim).reduce(0.0) { $0 + max(square[$1] / n - (sum[$1] / n) * (sum[$1] / n), 1e-6) }
            return residual.reduce(0, +) / n / spread
        }
    }
}
