/// The environment a role process starts with: the launcher's, with OpenBLAS held to one
/// thread unless the user set `OPENBLAS_NUM_THREADS` themselves. OpenBLAS starts its thread
/// pool when the library loads, before `NexusNN` can ask for one thread, and an idle pool
/// spins (sched_yield) for its first tenth of a second or so: with a learner, an expert and
/// four workers starting together on two cores that spinning delayed the run's first
/// iteration (bench e2e: about 17 ms of 300). Nexus's networks are small and its processes
/// already run in parallel; `NexusNN.configureThreads` can still raise the count in a process.
///
/// A child started in another directory than this process's (an environment server runs in a
/// folder of its own) gets `PYTHONPATH` with its relative entries resolved against this
/// process's directory, and that directory put first: Python there then imports what
/// `python -m` run here would (`-m` puts the working directory first on `sys.path`), as the
/// checks before a run and the expert do. `PYTHONPATH=.` with a user's own environment module
/// otherwise passed every check and then failed in every worker's environment server.
enum ChildEnvironment {
    static func make(from inherited: [String: String], runningIn workingDirectory: String? = nil, launchedFrom here: String) -> [String: String] {
        var environment = inherited
        if environment["OPENBLAS_NUM_THREADS"] == nil { environment["OPENBLAS_NUM_THREADS"] = "1" }
        if let workingDirectory, workingDirectory != here {
            environment["PYTHONPATH"] = pythonPath(inherited["PYTHONPATH"], resolvedAgainst: here)
        }
        return environment
    }

    /// `directory`, then `value`'s entries (`:`-separated; an empty one means the working
    /// directory) made absolute against it, each once.
    static func pythonPath(_ value: String?, resolvedAgainst directory: String) -> String {
        let base = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        let given = (value ?? "").isEmpty ? [] : (value ?? "").split(separator: ":", omittingEmptySubsequences: false)
        var entries = [base]
        for entry in given {
            let resolved: String
            if entry.hasPrefix("/") {
                resolved = String(entry)
            } else if entry.isEmpty || entry == "." {
                resolved = base
            } else {
                let relative = entry.hasPrefix("./") ? String(entry.dropFirst(2)) : String(entry)
                resolved = base.hasSuffix("/") ? base + relative : base + "/" + relative
            }
            if !entries.contains(resolved) { entries.append(resolved) }
        }
        return entries.joined(separator: ":")
    }
}
