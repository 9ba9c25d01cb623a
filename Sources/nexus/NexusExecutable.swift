import Foundation

/// This very binary, to start role processes with (`nexus train`, `nexus bench rollout|e2e`).
enum NexusExecutable {
    static var url: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }
}
