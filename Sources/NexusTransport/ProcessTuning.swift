import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings for a process that moves many large messages.
public enum ProcessTuning {
    /// glibc serves allocations above its mmap threshold (128 KiB at first) with fresh
    /// mmap'd pages, so every received megabyte-sized message costs hundreds of page faults
    /// and a munmap. Raising the threshold keeps such buffers on the heap, where they are
    /// reused; `nexus bench transport` measured 1 MiB PUSH/PULL at about 0.4 of raw libzmq
    /// without this and about 0.9 with it. Call once, at start-up, before any traffic.
    public static func keepLargeBuffersOnHeap() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 64 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 128 << 20)
        #endif
    }

    /// The soft limit `raiseDescriptorLimit` goes up to, at most.
    public static let descriptorCap = 65_536

    /// Raises this process's soft limit on open descriptors to its hard limit, at most
    /// `descriptorCap`, and returns the soft limit now (-1 where it cannot be read). Every peer
    /// a socket talks to holds a descriptor (and every socket of Nexus's four: its own mailbox,
    /// its monitor's two, its wake-up event), and the soft limit is often 1,024 where the hard
    /// one is far higher: a learner or expert with many workers, or a test process with many
    /// peers, would fail with EMFILE long before the machine runs short. A limit that cannot be
    /// raised stays as it was (the process runs as it would have).
    @discardableResult
    public static func raiseDescriptorLimit() -> Int {
        #if canImport(Glibc)
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        // Capped: some containers' hard limit is ~10⁹, and children (the environment servers)
        // inherit the soft one; 65,536 is far past any cluster's peers.
        let wanted = min(limit.rlim_max, rlim_t(Self.descriptorCap))
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
        #else
        return -1
        #endif
    }
}
