import Foundation

/// Runs the real `nexus` binary (built next to the test bundle by `swift test`).
public struct NexusProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `nexus` executable beside the running test bundle.
    public static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("nexus")
    }

    /// Runs `nexus arguments…` to completion, killing it after `timeout` seconds. Waiting for
    /// a child blocks a thread, so it happens off the cooperative pool (see `offCooperativePool`).
    /// `environment`: variables set for the child on top of this process's own; `input`: its
    /// standard input (else none).
    public static func run(_ arguments: [String], timeout: Double = 120, environment: [String: String] = [:], input: String? = nil) async throws -> Result {
        try await offCooperativePool { try runBlocking(arguments, timeout: timeout, environment: environment, input: input) }
    }

    static func runBlocking(_ arguments: [String], timeout: Double, environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, set in set } }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let inputPipe = input.map { _ in Pipe() }
        if let inputPipe { process.standardInput = inputPipe }
        try process.run()
        if let input, let inputPipe {
            // Written from another thread: a child that answers as it reads could fill its
            // output pipe while this one still writes.
            let handle = inputPipe.fileHandleForWriting
            DispatchQueue.global().async {
                handle.write(Data(input.utf8))
                try? handle.close()
            }
        }
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: .now() + timeout)
        timer.setEventHandler { if process.isRunning { process.terminate() } }
        timer.resume()
        // Read both pipes fully before waiting, so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            errorData = readToEnd(errors.fileHandleForReading.fileDescriptor)
            group.leave()
        }
        let outputData = readToEnd(output.fileHandleForReading.fileDescriptor)
        group.wait()
        process.waitUntilExit()
        timer.cancel()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }

    /// Everything until end of file, read(2) again when a signal interrupts it: Foundation's
    /// `readDataToEndOfFile` traps on EINTR (seen in CI, a test process with many children
    /// and their SIGCHLDs).
    static func readToEnd(_ descriptor: Int32) -> Data {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: chunk[0..<count])
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }
}
