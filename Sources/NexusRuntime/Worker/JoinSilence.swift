/// What a worker says while its hello goes unanswered. A learner that is still starting is
/// normal, so the first `patience` seconds pass quietly; after that a warning every
/// `repeatEvery` seconds names what may be wrong. Under CurveZMQ a server that does not allow
/// the worker's key drops the handshake without a word, so the warning names the key to look
/// for on the server's side.
struct JoinSilence {
    let endpoint: String
    /// The worker's public key and key directory when CURVE guards the control socket.
    let curve: (publicKey: String, keys: String)?
    var patience: Double = 10
    var repeatEvery: Double = 30
    private var silentSince: Double?
    private var warnedAt: Double?

    init(endpoint: String, curve: (publicKey: String, keys: String)?) {
        self.endpoint = endpoint
        self.curve = curve
    }

    /// A hello went unanswered at `now` (seconds on any monotonic clock): the warning to log,
    /// if one is due.
    mutating func unanswered(at now: Double) -> String? {
        let since = silentSince ?? now
        silentSince = since
        guard now - since >= patience, warnedAt.map({ now - $0 >= repeatEvery }) ?? true else { return nil }
        warnedAt = now
        let silent = "no welcome from the learner at \(endpoint) after \(Int((now - since).rounded())) s"
        guard let curve else {
            return silent + ": is a learner running there, and does the endpoint name its host and control port? (saying hello again)"
        }
        return silent + ". CurveZMQ is on: a learner whose allowed_clients lacks this worker's public key \(curve.publicKey) (\(curve.keys)/client.pub) drops the hello without an answer; "
            + "check the learner's security.keys and the auth_failures its log and `nexus status` report (saying hello again)"
    }

    /// The learner answered: the next silence starts afresh.
    mutating func answered() {
        silentSince = nil
        warnedAt = nil
    }
}
