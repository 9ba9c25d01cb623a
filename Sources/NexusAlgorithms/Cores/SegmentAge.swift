/// Whether a segment's policy version is recent enough to learn from.
public enum SegmentAge {
    /// Usable: at most `maxLag` versions behind the current one, and not ahead of it (a
    /// version the learner never published is another run's, or a forgery). Written without
    /// `+`: a version near 2^64 sent by a peer must not trap on overflow.
    public static func isUsable(segmentVersion: UInt64, currentVersion: UInt64, maxLag: Int) -> Bool {
        guard segmentVersion <= currentVersion else { return false }
        return currentVersion - segmentVersion <= UInt64(max(0, maxLag))
    }
}
