import Foundation
import NexusTestKit
import Testing

@testable import NexusRuntime

@Suite("Starting a process whose executable was just written")
struct ProcessStartTests {
    func script() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-busy-\(UUID().uuidString.prefix(8)).sh").path
        try writeExecutable("#!/bin/sh\nexit 0\n", to: path)
        return path
    }

    @Test("a program spawnAndWait starts inherits none of the test's descriptors (a daemon it leaves would hold them, and a file held open for writing cannot be run)")
    func spawnedProgramsInheritNoDescriptor() throws {
        let path = try script()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let held = open(path, O_WRONLY)  // not close-on-exec, as FileManager's writes
        #expect(held > 2)
        defer { close(held) }
        let (status, output) = spawnAndWait("/bin/sh", ["-c", "ls /proc/$$/fd"])
        #expect(status == 0, "\(output)")
        let inherited = Set(output.split(whereSeparator: \.isNewline).compactMap { Int32($0) })
        #expect(inherited.contains(1) && !inherited.contains(held), "the shell's descriptors: \(inherited.sorted())")
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
        #expect(ChildEnvironment.make(from: inherited, launchedFrom: "/home/u") == inherited.merging(["OPENBLAS_NUM_THREADS": "1"]) { $1 })
        let chosen = ["OPENBLAS_NUM_THREADS": "2", "PATH": "/bin"]
        #expect(ChildEnvironment.make(from: chosen, launchedFrom: "/home/u") == chosen)
        // In its own directory too, the rest is the launcher's.
        #expect(ChildEnvironment.make(from: chosen, runningIn: "/tmp/env", launchedFrom: "/home/u") == chosen.merging(["PYTHONPATH": "/home/u"]) { $1 })
    }

    @Test("A child in another directory imports what python -m in the launcher's directory would: that directory first, relative PYTHONPATH entries resolved there")
    func pythonPathFromElsewhere() {
        let here = "/home/u/task"
        func path(_ value: String?) -> String? {
            ChildEnvironment.make(from: value.map { ["PYTHONPATH": $0] } ?? [:], runningIn: "/tmp/nexus-env-1", launchedFrom: here)["PYTHONPATH"]
        }
        #expect(path(".") == "/home/u/task")
        #expect(path(nil) == "/home/u/task")
        #expect(path("") == "/home/u/task")
        #expect(path("src:/opt/lib") == "/home/u/task:/home/u/task/src:/opt/lib")
        #expect(path("./src::../shared") == "/home/u/task:/home/u/task/src:/home/u/task/../shared")
        #expect(ChildEnvironment.pythonPath("lib", resolvedAgainst: "/") == "/:/lib")
        // In the launcher's own directory nothing needs resolving.
        #expect(ChildEnvironment.make(from: ["PYTHONPATH": "."], runningIn: here, launchedFrom: here)["PYTHONPATH"] == ".")
    }
}
