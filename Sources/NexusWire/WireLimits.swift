/// Upper bounds applied to every decoded message. Bytes from the network are never trusted:
/// the size is checked before parsing, the parser runs under an allocation budget, and every
/// count is checked against these limits before a Swift value is built.
public struct WireLimits: Sendable, Equatable {
    /// Largest encoded message accepted, in bytes. Also the ZeroMQ `ZMQ_MAXMSGSIZE`.
    public var maxMessageBytes: Int
    /// Largest number of elements in one tensor.
    public var maxTensorElements: Int
    /// Largest tensor rank.
    public var maxTensorRank: Int
    /// Longest string field, in bytes.
    public var maxStringBytes: Int
    /// Most entries in a repeated message field (models, parameters, events, metrics).
    public var maxRepeatedMessages: Int
    /// The parser may allocate at most `allocationFactor × size + allocationSlack` bytes.
    public var allocationFactor: Int
    public var allocationSlack: Int

    public init(
        maxMessageBytes: Int = 32 << 20,
        maxTensorElements: Int = 8 << 20,
        maxTensorRank: Int = 8,
        maxStringBytes: Int = 1 << 20,
        maxRepeatedMessages: Int = 1 << 16,
        allocationFactor: Int = 8,
        allocationSlack: Int = 1 << 20
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.maxTensorElements = maxTensorElements
        self.maxTensorRank = maxTensorRank
        self.maxStringBytes = maxStringBytes
        self.maxRepeatedMessages = maxRepeatedMessages
        self.allocationFactor = allocationFactor
        self.allocationSlack = allocationSlack
    }

    public static let `default` = WireLimits()

    /// A checkpoint file: the learner's own state, read whole from a local file, whose datasets
    /// outgrow a network message's bounds (DAgger keeps up to 500,000 labels, MEGA-DAgger
    /// 200,000 transitions and as many fall-risk outcomes: on Ant-v5 a 100,000-step run's
    /// checkpoint is 39 MB, and a resumed learner or `nexus eval` refused it under 32 MiB).
    /// Protobuf's own ceiling, 2 GiB.
    public static let checkpointFile = WireLimits(maxMessageBytes: Int(Int32.max), maxTensorElements: 1 << 29)

    func allocationBudget(forMessageBytes bytes: Int) -> Int {
        bytes.multipliedReportingOverflow(by: allocationFactor).partialValue &+ allocationSlack
    }
}

/// What the receiver knows about the run, checked against decoded messages: a trajectory of
/// another environment or of the wrong observation size is refused before it reaches a queue.
/// `nil` means "not checked".
public struct WireExpectations: Sendable, Equatable {
    public var envID: String?
    public var observationDim: Int?
    public var actionDim: Int?
    /// Number of discrete actions; actions must then be integral indices below it.
    public var discreteActions: Int?
    /// Longest trajectory segment accepted, in steps.
    public var maxSegmentSteps: Int?
    /// Largest magnitude accepted in observations (the learner's bound is
    /// `WireExpectations.observationMagnitudeBound`): finite but absurd values such as 1e38
    /// overflow the statistics and losses computed from them.
    public var maxObservationMagnitude: Float?

    public init(
        envID: String? = nil, observationDim: Int? = nil, actionDim: Int? = nil,
        discreteActions: Int? = nil, maxSegmentSteps: Int? = nil, maxObservationMagnitude: Float? = nil
    ) {
        self.maxObservationMagnitude = maxObservationMagnitude
        self.envID = envID
        self.observationDim = observationDim
        self.actionDim = actionDim
        self.discreteActions = discreteActions
        self.maxSegmentSteps = maxSegmentSteps
    }

    public static let none = WireExpectations()

    /// The bound the learner applies to observations: far beyond any environment's scale
    /// (classic control stays within ±100), far below where float32 arithmetic overflows.
    public static let observationMagnitudeBound: Float = 1e6
}
