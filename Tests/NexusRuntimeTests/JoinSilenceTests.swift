import Testing

@testable import NexusRuntime

@Suite("A worker's unanswered hellos")
struct JoinSilenceTests {
    @Test("quiet while a learner may still be starting, then a warning every repeatEvery seconds; an answer starts the count afresh")
    func timing() {
        var silence = JoinSilence(endpoint: "tcp://10.0.0.1:5555", curve: nil)
        #expect([0, 2, 4, 6, 8].compactMap { silence.unanswered(at: $0) }.isEmpty)
        let first = silence.unanswered(at: 10)
        #expect(first?.contains("no welcome from the learner at tcp://10.0.0.1:5555 after 10 s") == true)
        #expect(first?.contains("is a learner running there") == true)
        #expect(silence.unanswered(at: 20) == nil && silence.unanswered(at: 39) == nil)
        #expect(silence.unanswered(at: 40)?.contains("after 40 s") == true)
        silence.answered()
        #expect(silence.unanswered(at: 100) == nil && silence.unanswered(at: 109) == nil)
        #expect(silence.unanswered(at: 110)?.contains("after 10 s") == true)
    }

    @Test("under CurveZMQ the warning names the worker's public key, where it lives, and where the server counts refusals")
    func curveHint() {
        var silence = JoinSilence(endpoint: "tcp://10.0.0.1:5555", curve: ("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "/etc/nexus/keys"))
        _ = silence.unanswered(at: 0)
        let warning = silence.unanswered(at: 12) ?? ""
        #expect(warning.contains("CurveZMQ is on"))
        #expect(warning.contains("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7") && warning.contains("/etc/nexus/keys/client.pub"))
        #expect(warning.contains("allowed_clients") && warning.contains("auth_failures"))
        #expect(!warning.contains("is a learner running there"))
    }
}
