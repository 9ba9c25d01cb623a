import Testing
import Foundation

@testable import NexusRuntime

@Suite("The launcher's supervision rules (Supervisor)")
struct SupervisorTests {
    func supervisor(workers: Int = 0, _ change: (inout Supervisor.Limits) -> Void = { _ in }) -> Supervisor {
        var limits = Supervisor.Limits(learnerRestarts: 2, expertRestarts: 1, workerRestarts: 2, workerBackoffSeconds: 0.5, workerSilenceSeconds: 2.5, unresponsiveSeconds: 4)
        change(&limits)
        return Supervisor(workers: workers, limits: limits)
    }

    @Test("the learner's clean exit ends the run; its crashes restart it at once, within its own budget, then fail the run")
    func learner() {
        var rules = supervisor()
        #expect(rules.exited(.learner, cleanly: true, exit: "exited with status 0", at: 1) == [.finishRun])
        #expect(rules.exited(.learner, cleanly: false, exit: "was killed by signal 9", at: 2)
            == [.note("learner was killed by signal 9; resuming it from its newest checkpoint"), .restart(.learner)])
        #expect(rules.exited(.learner, cleanly: false, exit: "exited with status 1", at: 3).last == .restart(.learner))
        #expect(rules.exited(.learner, cleanly: false, exit: "exited with status 1", at: 4) == [.failRun(.learner, reason: "the learner crashed 3 times")])
        #expect(rules.restartCounts == ["learner": 3, "expert": 0, "worker": 0])
    }

    @Test("each expert has its own budget; a crash restarts it at once")
    func experts() {
        var rules = supervisor()
        #expect(rules.exited(.expert(0), cleanly: false, exit: "exited with status 1", at: 1).last == .restart(.expert(0)))
        #expect(rules.exited(.expert(1), cleanly: false, exit: "exited with status 1", at: 1)
            == [.note("expert-2 exited with status 1; restarting it on its endpoint"), .restart(.expert(1))])
        #expect(rules.exited(.expert(0), cleanly: false, exit: "exited with status 1", at: 2) == [.failRun(.expert(0), reason: "the expert crashed 2 times")])
    }

    @Test("a crashed worker comes back after a backoff that doubles with its restarts; one that exited cleanly stays stopped; past its budget it stays down")
    func workers() {
        var rules = supervisor()
        #expect(rules.exited(.worker(3), cleanly: true, exit: "exited with status 0", at: 0) == [])
        #expect(rules.exited(.worker(1), cleanly: false, exit: "exited with status 1", at: 10) == [.note("worker 1 exited with status 1; restarting it in 0.5 s")])
        // The same exit seen again while the restart is due changes nothing.
        #expect(rules.exited(.worker(1), cleanly: false, exit: "exited with status 1", at: 10.1) == [])
        #expect(rules.tick(at: 10.4) == [])
        #expect(rules.tick(at: 10.5) == [.restart(.worker(1))])
        #expect(rules.tick(at: 11) == [])
        #expect(rules.exited(.worker(1), cleanly: false, exit: "exited with status 1", at: 20) == [.note("worker 1 exited with status 1; restarting it in 1.0 s")])
        #expect(rules.tick(at: 20.9) == [] && rules.tick(at: 21) == [.restart(.worker(1))])
        #expect(rules.exited(.worker(1), cleanly: false, exit: "exited with status 1", at: 30) == [.note("worker 1 exited with status 1; restarted 2 times already, leaving it down")])
        #expect(rules.tick(at: 100) == [])
        #expect(rules.exited(.worker(1), cleanly: false, exit: "exited with status 1", at: 101) == [])
        #expect(rules.restartCounts["worker"] == 2)
    }

    @Test("when every worker the launcher starts is left down, the last one's exit fails the run; while one is still up, it goes on")
    func everyWorkerDown() {
        var rules = supervisor(workers: 2) { $0.workerRestarts = 0 }
        #expect(rules.exited(.worker(2), cleanly: false, exit: "exited with status 1 (no module named 'task')", at: 1)
            == [.note("worker 2 exited with status 1 (no module named 'task'); restarted 0 times already, leaving it down")])
        #expect(rules.exited(.worker(1), cleanly: false, exit: "exited with status 1 (no module named 'task')", at: 2)
            == [.failRun(.worker(1), reason: "every worker crashed and was restarted 0 times; the last, worker 1, exited with status 1 (no module named 'task')")])
        // A worker that stopped cleanly is not a crash, but it is not running either: with the
        // other left down, no worker is left, and the run fails with that one's cause.
        var stopped = supervisor(workers: 3) { $0.workerRestarts = 0 }
        _ = stopped.exited(.worker(1), cleanly: true, exit: "exited with status 0", at: 1)
        #expect(stopped.exited(.worker(2), cleanly: false, exit: "exited with status 1", at: 2)
            == [.note("worker 2 exited with status 1; restarted 0 times already, leaving it down")])
        #expect(stopped.exited(.worker(3), cleanly: false, exit: "exited with status 1", at: 3)
            == [.failRun(.worker(3), reason: "no worker is left (each crashed past 0 restarts or stopped); the last, worker 3, exited with status 1")])
    }

    @Test("the backoff stops doubling at 64 times the first")
    func backoffCap() {
        var rules = supervisor { $0.workerRestarts = 100; $0.workerBackoffSeconds = 1 }
        var now = 0.0
        for _ in 0..<8 {
            _ = rules.exited(.worker(2), cleanly: false, exit: "crashed", at: now)
            now += 1000
            _ = rules.tick(at: now)
        }
        #expect(rules.exited(.worker(2), cleanly: false, exit: "crashed", at: now) == [.note("worker 2 crashed; restarting it in 64.0 s")])
    }

    @Test("a running worker unheard for longer than the silence allows is killed once, judged only since its process started")
    func silentWorkers() {
        var rules = supervisor()
        let running: Set<Supervisor.Role> = [.worker(1), .worker(2), .worker(3)]
        let actions = rules.tick(at: 5, workerSilences: [1: (2, 60), 2: (2.6, 60), 3: (9, 3), 4: (99, 99)], running: running)
        // 1 is within the silence, 3 is a replacement judged by its predecessor's, 4 is not running.
        #expect(actions == [.kill(.worker(2), reason: "worker 2 has not been heard for 2.6 s (stopped or wedged); killing it to replace it")])
        #expect(rules.tick(at: 6, workerSilences: [2: (3.6, 61)], running: running) == [], "killed once")
        _ = rules.exited(.worker(2), cleanly: false, exit: "was killed by signal 9", at: 6.5)
        _ = rules.tick(at: 7)
        #expect(rules.tick(at: 20, workerSilences: [2: (5, 10)], running: running).count == 1, "its replacement is judged afresh")
    }

    @Test("a learner or expert that has not answered status for unresponsive_seconds is killed; never started, nothing to judge")
    func unresponsive() {
        var rules = supervisor()
        rules.answered(.learner, at: 0)
        rules.answered(.expert(0), at: 0)
        #expect(rules.tick(at: 3, running: [.learner, .expert(0)]) == [])
        rules.answered(.expert(0), at: 3)
        #expect(rules.tick(at: 5, running: [.learner, .expert(0)]) == [.kill(.learner, reason: "the learner has not answered status for 5.0 s; killing it to restart it")])
        // Its clock starts again from the kill: the restart gets its time.
        #expect(rules.tick(at: 6, running: [.learner, .expert(0)]) == [])
        #expect(rules.tick(at: 500, running: []) == [], "not running: its exit is the news")
        #expect(rules.tick(at: 500, running: [.expert(7)]) == [], "never started")
    }
}

@Suite("A crashed role's cause, read back from its log (ChildLog)")
struct ChildLogTests {
    @Test("the last Error: line of the newest start, without the prefix; none when that start wrote none")
    func lastError() {
        let log = """
            --- 2026-12-07 nexus worker --id 1
            Error: an older start's cause
            --- 2026-12-07 nexus worker --id 1
            2026-12-07T02:46:10 warning nexus.worker-1: restarting the environment
            Error: the environment did not come back after 3 restarts
            Error: the last words

            """
        #expect(ChildLog.lastError(in: Substring(log)) == "the last words")
        #expect(ChildLog.lastError(in: Substring(log + "--- 2026-12-07 nexus worker --id 1\nstarting\n")) == nil)
        #expect(ChildLog.lastError(in: "") == nil)
        // Python's logging writes "--- Logging error ---": not a start.
        #expect(ChildLog.lastError(in: "--- 2026-12-07 nexus expert\nError: it broke\n--- Logging error ---\n") == "it broke")
    }

    @Test("a Python expert's causes: its refusal, or a traceback's last line; other lines are not causes")
    func pythonCauses() {
        let traceback = """
            --- 2026-12-07 nexus expert --bind tcp://127.0.0.1:*
            Traceback (most recent call last):
              File "experts.py", line 3, in act
            numpy.core._exceptions._UFuncOutputCastingError: Cannot cast ufunc
            """
        #expect(ChildLog.lastError(in: Substring(traceback)) == "numpy.core._exceptions._UFuncOutputCastingError: Cannot cast ufunc")
        #expect(ChildLog.lastError(in: "--- 2026-12-07 nexus expert\nnexusrl expert: action space \"box\" is not discrete:N or box:D\n")
            == "nexusrl expert: action space \"box\" is not discrete:N or box:D")
        #expect(ChildLog.lastError(in: "--- 2026-12-07 nexus expert\nnexusrl expert listening on tcp://127.0.0.1:5555\nnote: all well\n") == nil)
    }

    @Test("read from a file's tail; a missing file has nothing to say")
    func fromFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-childlog-\(UInt32.random(in: 0...UInt32.max)).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let filler = String(repeating: "x", count: 100) + "\n"
        try ("--- start\n" + String(repeating: filler, count: 2000) + "Error: it broke\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ChildLog.lastError(atPath: path, tailCharacters: 4096) == "it broke")
        #expect(ChildLog.lastError(atPath: path + ".absent") == nil)
    }
}
