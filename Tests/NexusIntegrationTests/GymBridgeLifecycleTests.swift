import Foundation
import Logging
import NexusEnvironments
import NexusRuntime
import NexusTransport
import NexusWire
import NexusTestKit
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The environment server's life at its edges: a worker that stops while its environment
/// hangs in a step, and a server told to stop (SIGTERM) in the middle of one.
@Suite("The gym: bridge's lifecycle", .serialized)
struct GymBridgeLifecycleTests {
    /// A temporary folder for the faulty environment's markers, and an interpreter that runs
    /// the working tree's nexusrl with the test environments importable (`--python` takes it).
    struct Scratch {
        let folder: String
        let python: String

        init() throws {
            try GymEnvironmentTests.requirePython()
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-bridge-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            python = folder + "/python"
            let path = GymEnvironmentTests.environment["PYTHONPATH"]!
            try writeExecutable("#!/bin/sh\nPYTHONPATH='\(path)' exec '\(GymEnvironmentTests.python)' \"$@\"\n", to: python)
        }

        var hangingKwargs: [String: String] { ["faults": "hang", "markers": folder, "every": "1"] }

        /// Waits until the environment has started its hanging step (its marker is taken).
        func hangStarted() async -> Bool {
            await ClusterRun.waitUntil(seconds: 120) { FileManager.default.fileExists(atPath: folder + "/hang") }
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    @Test("a step that hangs returns as soon as its task is cancelled, long before the environment's timeout")
    func cancelledWhileHung() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let env = "gym:faulty_envs:FaultyCartPole-v0"
        let spec = try GymEnvironments.spec(env, kwargs: scratch.hangingKwargs, python: scratch.python)
        let server = try EnvironmentServer(
            .init(env: env, kwargs: scratch.hangingKwargs, python: scratch.python, copies: 1, timeoutSeconds: 3600, concurrentLoops: 1), logger: Logger(label: "test"))
        let vector = try await PythonVectorEnvironment.start(server: server, spec: spec, seed: 1)
        let returned = Mutex(false)
        let stepping = Task {
            defer { returned.withLock { $0 = true } }
            var stepped = vector
            try await stepped.step(stepping: [0])
        }
        #expect(await scratch.hangStarted(), "the step never started")
        stepping.cancel()
        // The timeout is an hour: only the cancellation can end the step this soon.
        let ended = await ClusterRun.waitUntil(seconds: 60) { returned.withLock { $0 } }
        #expect(ended, "the cancelled step did not return")
        await server.close()
        switch await stepping.result {
        case .success: Issue.record("a hung step returned as if it had stepped")
        case .failure(let error): #expect(!ended || error is CancellationError, "\(error)")
        }
    }

    @Test("SIGTERM in the middle of a step stops the server: it says why and exits 0 (its environment's failures are answered, a signal is not one)")
    func sigtermMidStep() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let listener = try FramedUnixListener(path: scratch.folder + "/socket")
        let kwargs = String(data: try JSONSerialization.data(withJSONObject: scratch.hangingKwargs), encoding: .utf8)!
        let process = Process()
        process.executableURL = URL(fileURLWithPath: scratch.python)
        process.arguments = ["-m", "nexusrl", "env", "--env", "faulty_envs:FaultyCartPole-v0", "--kwargs", kwargs, "--copies", "1", "--connect", listener.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardInput = Pipe()
        // The interpreter wrapper was just written: a process forked meanwhile by another test
        // may still hold it open for writing (ETXTBSY), as the launcher's children can.
        try process.runRetryingBusyExecutable()
        var accepted: FramedConnection?
        for _ in 0..<1200 where accepted == nil { accepted = try listener.accept(timeout: 0.1) }
        let connection = try #require(accepted, "the server never connected")
        try connection.send(WireCodec.encode(.envRequest(EnvRequest(requestID: 1, kind: .reset(seed: 1)))), timeout: 60)
        #expect(try connection.receive(timeout: 120, limit: 1 << 20) != nil, "no reply to reset")
        try connection.send(WireCodec.encode(.envRequest(EnvRequest(requestID: 2, kind: .step(Tensor(rows: 1, columns: 1, data: [0]))))), timeout: 60)
        #expect(await scratch.hangStarted(), "the step never started")
        process.terminate()
        #expect(await ClusterRun.waitUntil(seconds: 60) { !process.isRunning }, "the server still runs after SIGTERM")
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let said = String(data: errors.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8) ?? ""
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(said)")
        #expect(said.contains("nexusrl env stopped (SIGTERM)") && !said.contains("Traceback"), "\(said)")
        // The step was not answered with an error: the channel just closed.
        #expect(throws: FramedSocketError.closed) { _ = try connection.receive(timeout: 10, limit: 1 << 20) }
    }
}
