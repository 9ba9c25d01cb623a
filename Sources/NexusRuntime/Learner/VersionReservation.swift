import Foundation

/// Policy versions never go back as the workers see them, whoever publishes them: a learner
/// restarted from a checkpoint taken at version 195 must not publish 196 to workers that hold
/// 198 (they would keep 198, the learner would drop every segment as "from the future", and
/// the run would stall). Before publishing a version past the reserved bound, the learner
/// reserves a block of versions on disk (`checkpoints/published-versions`, one small write
/// per `block` iterations); a restarted one starts after the whole reserved block, so its
/// first version is newer than anything its predecessors could have published.
///
/// The hi/lo scheme of database sequences: the gap a restart leaves in the version numbers
/// is harmless (a version is an order, not a count; the iteration is the count).
struct VersionReservation: Equatable {
    /// Versions reserved at a time.
    static let block: UInt64 = 64
    /// A bound above this is a damaged file, not a run's history: it is ignored rather than
    /// allowed to bring versions near overflow.
    static let plausibleBound: UInt64 = 1 << 62

    /// Versions up to this one may have been published (by this learner or an earlier one).
    private(set) var reserved: UInt64

    init(reserved: UInt64 = 0) { self.reserved = reserved }

    /// The first version a learner publishes: 1 for a new run; after a resume, newer than
    /// the checkpoint's and than every reserved version (`reserved`: what the file said, nil
    /// when it is missing or damaged, for a run directory of an older Nexus).
    static func firstVersion(checkpointVersion: UInt64?, reserved: UInt64?) -> UInt64 {
        guard let checkpointVersion else { return 1 }
        let bound = reserved.flatMap { $0 <= plausibleBound ? $0 : nil } ?? 0
        return max(checkpointVersion, bound) + 1
    }

    /// The bound to write to disk before `version` may be published, or nil when it is
    /// already reserved.
    mutating func reserve(toPublish version: UInt64) -> UInt64? {
        guard version > reserved else { return nil }
        reserved = version + Self.block - 1
        return reserved
    }

    /// The file's content.
    static func encode(_ bound: UInt64) -> String { "\(bound)\n" }

    /// The bound a file holds; nil when it is not a plausible one.
    static func decode(_ text: String) -> UInt64? {
        guard let bound = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), bound <= plausibleBound else { return nil }
        return bound
    }
}
