import Foundation
import Testing

@testable import NexusRuntime

@Suite("Starting a process whose executable was just written")
struct ProcessStartTests {
    func script() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-busy-\(UUID().uuidString.prefix(8)).sh").path
        FileManager.default.createFile(atPath: path, contents: Data("#!/bin/sh\nexit 0\n".utf8), attributes: [.posixPermissions: 0o755])
        return path
    }

    @Test("an executable held open for writing (ETXTBSY) starts once it is closed; one that stays busy is refused with the reason")
    func busyExecutable() throws {
        let path = try script()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // As a process forked between another thread's write and close holds it.
        let writer = open(path, O_WRONLY)
        #expect(writer >= 0)
        let closer = Thread { Thread.sleep(forTimeInterval: 0.05); close(writer) }
        closer.start()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        try process.runRetryingBusyExecutable()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let held = open(path, O_WRONLY)
        defer { close(held) }
        let refused = Process()
        refused.executableURL = URL(fileURLWithPath: path)
        #expect { try refused.runRetryingBusyExecutable(attempts: 3) } throws: { error in
            ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code == Int(ETXTBSY)
                && error.startFailureReason.contains(String(cString: strerror(ETXTBSY)))
        }
    }
}

@Suite("A role process's environment")
struct ChildEnvironmentTests {
    @Test("OpenBLAS is held to one thread unless the user set OPENBLAS_NUM_THREADS; everything else is inherited")
    func openBLASThreads() {
        let inherited = ["PATH": "/usr/bin", "PYTHONPATH": "/src"]
        #expect(ChildEnvironment.make(from: inherited) == inherited.merging(["OPENBLAS_NUM_THREADS": "1"]) { $1 })
        let chosen = ["OPENBLAS_NUM_THREADS": "2", "PATH": "/bin"]
        #expect(ChildEnvironment.make(from: chosen) == chosen)
    }
}
