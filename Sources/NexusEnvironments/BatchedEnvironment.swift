/// Copies of one environment stepped together that reset themselves when an episode ends:
/// Nexus's own `VectorEnvironment`, or copies stepped elsewhere (a Gymnasium environment in
/// a Python process). After each step, the arrays hold that step's outcome per copy; a copy
/// whose episode ended already shows its next episode's first observation, the ended one's
/// last being in `finalObservations`.
public protocol BatchedEnvironment {
    var spec: EnvironmentSpec { get }
    var count: Int { get }
    /// `[count, observationDim]`: what the policy acts on next.
    var observations: [Float] { get }
    /// `[count, observationDim]`: the last observation of an episode that ended on the last
    /// step (rows of other copies are stale).
    var finalObservations: [Float] { get }
    var rewards: [Double] { get }
    var terminated: [Bool] { get }
    var truncated: [Bool] { get }
    /// Return and length of the episode each copy finished on the last step (0 otherwise).
    var completedReturns: [Double] { get }
    var completedLengths: [Int] { get }
    /// Per copy: the last step took it into the environment's unsafe region.
    var enteredUnsafe: [Bool] { get }
    /// Whether an observation (a real one or a world model's prediction) is unsafe.
    var unsafeRule: @Sendable (UnsafeBufferPointer<Float>) -> Bool { get }
    /// Steps every copy with its row of `actions` (`[count, actionDim]`), wherever they run,
    /// but those `idle` marks (empty: none): they stay where they are, and their outcome reads
    /// no reward, not ended, not entered the unsafe region.
    mutating func step(stepping actions: [Float], idle: [Bool]) async throws
    /// After a step that threw: brings the copies back (a new environment where the old one
    /// failed), every copy at the start of a new episode in `observations`.
    mutating func recover() async throws
}

extension BatchedEnvironment {
    /// Steps every copy.
    public mutating func step(stepping actions: [Float]) async throws { try await step(stepping: actions, idle: []) }
}

/// A step of copies stepped elsewhere that failed: what the environment raised, a reply that
/// does not fit (a wrong shape, NaN or inf), no reply in time, or a process that ended.
/// `recover()` brings the copies back.
public struct EnvironmentFailure: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Copies stepped in this process, at once.
public protocol LocalBatchedEnvironment: BatchedEnvironment {
    /// `BatchedEnvironment.step(stepping:idle:)`, at once.
    mutating func step(_ actions: UnsafeBufferPointer<Float>, idle: [Bool])
}

extension LocalBatchedEnvironment {
    public mutating func step(_ actions: [Float], idle: [Bool] = []) { actions.withUnsafeBufferPointer { step($0, idle: idle) } }
    public mutating func step(stepping actions: [Float], idle: [Bool]) async throws { step(actions, idle: idle) }
    /// Copies in this process never fail a step.
    public mutating func recover() async throws {}
}

extension VectorEnvironment: LocalBatchedEnvironment {
    public var spec: EnvironmentSpec { E.spec }
    public var unsafeRule: @Sendable (UnsafeBufferPointer<Float>) -> Bool { { E.isUnsafe(observation: $0) } }
}
