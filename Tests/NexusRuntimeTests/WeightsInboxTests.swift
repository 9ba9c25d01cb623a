import Logging
import NexusTransport
import NexusWire
import Testing

@testable import NexusRuntime

@Suite("Weights inbox")
struct WeightsInboxTests {
    @Test("newer versions of the run, or any version of another run, replace what a worker has")
    func installRule() async throws {
        let inbox = try WeightsInbox(endpoint: try Endpoint(parsing: "tcp://127.0.0.1:1"), logger: Logger(label: "test"))
        #expect(inbox.take(over: nil) == nil)
        inbox.offer(Weights(version: 5, runID: "a", models: []))
        #expect(inbox.take(over: nil)?.version == 5)
        #expect(inbox.take(over: ("a", 5)) == nil)
        #expect(inbox.take(over: ("a", 4))?.version == 5)
        // A learner restarted without --resume starts a new run at version 1.
        inbox.offer(Weights(version: 1, runID: "b", models: []))
        #expect(inbox.take(over: ("a", 5))?.runID == "b")
        await inbox.close()
    }
}
