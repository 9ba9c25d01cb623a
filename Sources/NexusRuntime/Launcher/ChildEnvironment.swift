/// The environment a role process starts with: the launcher's, with OpenBLAS held to one
/// thread unless the user set `OPENBLAS_NUM_THREADS` themselves. OpenBLAS starts its thread
/// pool when the library loads, before `NexusNN` can ask for one thread, and an idle pool
/// spins (sched_yield) for its first tenth of a second or so: with a learner, an expert and
/// four workers starting together on two cores that spinning delayed the run's first
/// iteration (bench e2e: about 17 ms of 300). Nexus's networks are small and its processes
/// already run in parallel; `NexusNN.configureThreads` can still raise the count in a process.
enum ChildEnvironment {
    static func make(from inherited: [String: String]) -> [String: String] {
        var environment = inherited
        if environment["OPENBLAS_NUM_THREADS"] == nil { environment["OPENBLAS_NUM_THREADS"] = "1" }
        return environment
    }
}
