import NexusAlgorithms
import NexusWire

/// What the learner's sockets refused or dropped and the failures workers reported: running
/// totals for status, `/metrics`, metrics.csv and the summary, each name spelled here once.
struct NetworkCounts: Equatable {
    var rejectedMessages: UInt64 = 0
    var handshakeFailures: UInt64 = 0
    var authFailures: UInt64 = 0
    var slowPeerRepliesDropped: UInt64 = 0
    var welcomesWithoutWeights: UInt64 = 0
    var hellosRefused: UInt64 = 0
    /// Workers' failed `gym:` environment steps (their heartbeats) and the evaluation's.
    var envFailures: UInt64 = 0
    /// Expert queries asked again (an error answer, or none in time): the workers' (their
    /// heartbeats) and the learner's own (imagined states).
    var expertRetries: UInt64 = 0

    static let names = [
        "rejected_messages", "handshake_failures", "auth_failures", "slow_peer_replies_dropped", "welcomes_without_weights", "hellos_refused", "env_failures",
        "expert_retries",
    ]

    var metrics: [Metric] {
        let values = [rejectedMessages, handshakeFailures, authFailures, slowPeerRepliesDropped, welcomesWithoutWeights, hellosRefused, envFailures, expertRetries]
        return zip(Self.names, values).map { Metric(name: $0, value: Double($1)) }
    }

    /// The status metrics that are running totals (Prometheus counters); the rest are gauges.
    static let totals = Set(LearnerCounters.countNames + ["iteration"] + names)
}
