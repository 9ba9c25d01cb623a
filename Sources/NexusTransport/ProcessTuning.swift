import CZeroMQ

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
}
