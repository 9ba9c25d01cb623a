import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One role process started by the launcher: output appended to its log file, standard input
/// a pipe the launcher holds (the child stops when it closes: see `ParentWatch`).
public final class ChildProcess: Sendable {
    public let name: String
    public let arguments: [String]
    /// Where its standard output and errors go.
    public let logPath: String
    /// When it was started (the launcher judges silence only since then).
    public let started = ContinuousClock.now
    private let process: Process
    private let stdinPipe: Pipe
    private let exitBox = ExitBox()

    /// `workingDirectory`: where it runs (nil: this process's).
    public init(name: String, executable: URL, arguments: [String], logPath: String, workingDirectory: String? = nil) throws {
        self.name = name
        self.arguments = arguments
        self.logPath = logPath
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ChildEnvironment.make(
            from: ProcessInfo.processInfo.environment, runningIn: workingDirectory, launchedFrom: FileManager.default.currentDirectoryPath)
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw RuntimeError("cannot open log file \(logPath)") }
        log.seekToEndOfFile()
        log.write(Data("--- \(Date()) nexus \(arguments.joined(separator: " "))\n".utf8))
        process.standardOutput = log
        process.standardError = log
        stdinPipe = Pipe()
        process.standardInput = stdinPipe
        let box = exitBox
        process.terminationHandler = { finished in
            box.state.withLock { $0 = (finished.terminationStatus, finished.terminationReason == .uncaughtSignal) }
        }
        do {
            try process.runRetryingBusyExecutable()
        } catch {
            throw RuntimeError("cannot start \(executable.path) \(arguments.first ?? ""): \(error.startFailureReason)")
        }
        try? log.close()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { exitBox.state.withLock { $0 == nil } }
    /// Exit status (or signal number) once it has ended.
    public var exit: (status: Int32, signalled: Bool)? { exitBox.state.withLock { $0 } }

    public var exitDescription: String {
        guard let exit else { return "running" }
        return exit.signalled ? "killed by signal \(exit.status)" : "exited with status \(exit.status)"
    }

    public func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// Waits (polling, without blocking a thread) until the process ended or `seconds` passed.
    public func waitForExit(seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !isRunning
    }
}

/// Where the termination handler leaves the exit status.
final class ExitBox: Sendable {
    let state = Mutex<(status: Int32, signalled: Bool)?>(nil)
}
