import Foundation
import NexusEnvironments
import NexusTransport
import Synchronization

/// A Python expert (`expert.python`) as a role process: `python -m nexusrl expert`, the
/// `nexusrl` package's server of Nexus's expert protocol, started by the launcher where it
/// would start `nexus expert` (same announcement, same watch on the launcher, same restarts).
public enum PythonExpert {
    /// The interpreter: `python` as a path, or the first match on `PATH`.
    public static func interpreter(_ python: String) throws -> URL {
        if python.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: python) else { throw RuntimeError("python: \(python) is not an executable file") }
            return URL(fileURLWithPath: python)
        }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(python)") {
            return URL(fileURLWithPath: "\(directory)/\(python)")
        }
        throw RuntimeError("python: no \(python) on PATH (give --python PATH, or the python key)")
    }

    /// The server's arguments for the run's environment, bound to `bind` (`tcp://host:PORT`,
    /// or `tcp://host:*` for a free port), announcing its endpoint at `announce`.
    /// Over CurveZMQ where the run's security says so for `bind` (as `nexus expert` would).
    public static func arguments(_ config: RunConfig, bind: String, announce: String?, watchParent: Bool) throws -> [String] {
        let curve = RoleSecurity(config.security).usesCurve(try Endpoint(parsing: bind))
        if curve, config.security.keys.isEmpty {
            throw RuntimeError("CurveZMQ needs keys: set security.keys to a directory from `nexus keys generate` (or security.mode: none on a trusted network)")
        }
        return arguments(expert: config.expert.python, spec: try config.environmentSpec, maxBatch: config.expert.maxBatch, bind: bind, announce: announce,
                         watchParent: watchParent, curveKeys: curve ? config.security.keys : nil)
    }

    /// The same for `expert` (MODULE:CALLABLE or sb3:PATH.zip) on an environment of `spec`;
    /// `curveKeys`: serve over CurveZMQ with that keys directory.
    public static func arguments(
        expert: String, spec: EnvironmentSpec, maxBatch: Int, bind: String, announce: String?, watchParent: Bool, curveKeys: String? = nil
    ) -> [String] {
        var arguments = [
            "-m", "nexusrl", "expert", "--expert", expert, "--endpoint", bind,
            "--observation-dim", "\(spec.observationDim)", "--action-space", actionSpace(spec), "--max-batch", "\(maxBatch)",
        ]
        if let announce { arguments += ["--announce", announce] }
        if let curveKeys { arguments += ["--keys", curveKeys] }
        if watchParent { arguments.append("--watch-parent") }
        return arguments
    }

    /// Replaces this process with the Python server (`nexus expert` with `expert.python`): the
    /// same pid, standard input and output, so the launcher, Slurm and Kubernetes run a Python
    /// expert exactly as they run `nexus expert`. Returns only by throwing.
    public static func exec(_ config: RunConfig, bind: String, announce: String?, watchParent: Bool) throws -> Never {
        let python = try interpreter(config.python)
        let argv = [python.path] + (try arguments(config, bind: bind, announce: announce, watchParent: watchParent))
        var pointers = argv.map { strdup($0) } + [nil]
        // A blocked signal mask and ignored signals survive exec: children of `nexus train`
        // inherit both from Foundation's spawn, and Python would never see SIGTERM.
        // Default actions first: a signal pending under the mask is delivered the moment the
        // mask clears, and one still ignored then would be lost.
        for number in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] { signal(number, SIG_DFL) }
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        execv(python.path, &pointers)
        throw RuntimeError("cannot run \(python.path): \(String(cString: strerror(errno)))")
    }

    /// The action space as the Python side reads it: `discrete:N` or `box:D`.
    static func actionSpace(_ spec: EnvironmentSpec) -> String {
        switch spec.actionSpace {
        case .discrete(let count): return "discrete:\(count)"
        case .box(let low, _): return "box:\(low.count)"
        }
    }

    /// Loads the expert once in the interpreter (`python -m nexusrl check-expert`) and asks it
    /// about the environment's first few states (4, or `expert.max_batch` if fewer, in one call): a module that does not import, a missing
    /// callable, an unreadable SB3 file, a missing `nexusrl`, an expert that raises or answers
    /// in the wrong shape is refused before anything starts, with Python's own message. (An
    /// expert that only failed on its queries in the workers left the run waiting, its
    /// console silent, until its time ran out.)
    static func check(_ config: RunConfig) throws {
        let spec = try config.environmentSpec
        // In one call, as the server would send them: never more than its batch.
        let count = max(1, min(4, config.expert.maxBatch))
        var arguments = ["check-expert", "--expert", config.expert.python, "--action-space", actionSpace(spec)]
        if let name = GymEnvironmentID.gymnasiumName(config.env) {
            arguments += ["--env", name, "--kwargs", GymEnvironments.kwargsJSON(config.envKwargs), "--rows", "\(count)"]
        } else {
            let type = try EnvironmentRegistry.type(for: config.env)
            let rows = firstObservations(of: type, arguments: try config.environmentArguments, count: count)
            arguments += ["--observations", "[" + stride(from: 0, to: rows.count, by: type.spec.observationDim).map { start in
                "[" + rows[start..<(start + type.spec.observationDim)].map { "\($0)" }.joined(separator: ",") + "]"
            }.joined(separator: ",") + "]"]
        }
        _ = try run(config.python, arguments, what: "expert.python \(config.expert.python)")
    }

    /// `count` start states of a built-in environment, `[count, observationDim]`: a vector
    /// environment's first observations, as a worker's copies start.
    static func firstObservations(of type: any Environment.Type, arguments: EnvironmentArguments, count: Int) -> [Float] {
        func starts<E: Environment>(_: E.Type) -> [Float] { VectorEnvironment<E>(count: count, seed: 0, arguments: arguments).observations }
        return starts(type)
    }

    /// `python -m nexusrl ARGUMENTS` to its end: its output (standard output and errors),
    /// or an error naming `what` with the last line it wrote (Python's reason). One that has
    /// not ended after `timeout` seconds (a module that hangs on import) is killed and refused.
    public static func run(_ python: String, _ arguments: [String], what: String, timeout: Double = 300) throws -> String {
        let process = Process()
        process.executableURL = try interpreter(python)
        process.arguments = ["-m", "nexusrl"] + arguments
        // One pipe for both: what the user's code prints cannot fill a second one unread.
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do { try process.runRetryingBusyExecutable() } catch { throw RuntimeError("\(what): cannot start \(python): \(error.startFailureReason)") }
        let read = Mutex(Data())
        let finished = DispatchSemaphore(value: 0)
        let reader = output.fileHandleForReading
        Thread {
            let data = reader.readDataToEndOfFile()
            read.withLock { $0 = data }
            finished.signal()
        }.start()
        guard finished.wait(timeout: .now() + timeout) == .success else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw RuntimeError("\(what): python -m nexusrl \(arguments.first ?? "") did not finish in \(Int(timeout)) s (a module that hangs when imported, an environment that hangs when made or reset, or an expert that does not answer?)")
        }
        let text = String(decoding: read.withLock { $0 }, as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let reason = text.split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }).map(String.init) ?? "exit status \(process.terminationStatus)"
            if reason.contains("No module named nexusrl") {
                throw RuntimeError("\(what): \(python) has no nexusrl package (pip install ./python, or set PYTHONPATH)")
            }
            if reason.contains("nexusrl: error: unrecognized arguments") {
                throw RuntimeError("\(what): the nexusrl package in \(python) is older than this nexus (\(reason)); install it again from this nexus's python/ (pip install ./python)")
            }
            if reason.contains("No module named 'gymnasium'") {
                throw RuntimeError("\(what): \(python) has no gymnasium (pip install gymnasium)")
            }
            throw RuntimeError("\(what): \(reason)")
        }
        return text
    }
}
