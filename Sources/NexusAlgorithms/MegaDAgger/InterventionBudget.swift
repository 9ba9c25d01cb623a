/// How many of the rows MEGA-DAgger's gate fires on may start an intervention: a worker-side
/// budget that makes `mega.query_rate` the rate it names.
///
/// τ alone did not: it is the (1 − rate) quantile of the new model's disagreement over the
/// states the workers visited last iteration, and the next policy goes elsewhere. On
/// MountainCar-v0 the gate fired on 14–68 % of the rows of an iteration at a calibrated 0.5 %;
/// and a row that fired again inside an intervention prolonged it. Here tokens accrue at `rate`
/// per copy and step; each firing row not already in an intervention (safety firings are not
/// budgeted) needs a whole token, the highest disagreement first; the rest wait. The rate holds
/// on average: unspent tokens carry over, up to one per copy, so after a quiet stretch every
/// copy that fires may start one at once (at most one burst of one per copy).
public struct InterventionBudget: Sendable, Equatable {
    public private(set) var tokens: Float = 0

    public init(tokens: Float = 0) {
        precondition(tokens >= 0 && tokens.isFinite, "a budget starts with a finite number of tokens ≥ 0")
        self.tokens = tokens
    }

    /// One step of `copies` copies at `rate` interventions per copy-step: of `candidates` (rows
    /// that fired), those admitted, as a mask over the copies; ties keep the lower row first.
    public mutating func admit(candidates: [Int], scores: [Float], copies: Int, rate: Float) -> [Bool] {
        precondition(rate >= 0 && rate.isFinite, "an intervention rate is finite and ≥ 0")
        tokens = min(tokens + rate * Float(copies), Float(max(1, copies)))
        var admitted = [Bool](repeating: false, count: copies)
        // NaN scores (a model gone bad) rank last, so the order stays a strict one.
        let key = { (row: Int) -> Float in scores[row].isNaN ? -.infinity : scores[row] }
        let ranked = candidates.sorted { key($0) != key($1) ? key($0) > key($1) : $0 < $1 }
        for row in ranked.prefix(Int(tokens.rounded(.down))) {
            admitted[row] = true
            tokens -= 1
        }
        return admitted
    }
}
