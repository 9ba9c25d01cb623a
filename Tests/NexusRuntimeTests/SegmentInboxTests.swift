import NexusTestKit
import NexusWire
import Testing

@testable import NexusRuntime

@Suite("The learner's segment inbox")
struct SegmentInboxTests {
    func segment(_ index: UInt32) -> TrajectorySegment {
        var segment = SampleMessages.trajectory(steps: 2)
        segment.segmentIndex = index
        return segment
    }

    @Test("items come out one at a time, oldest first; a full inbox holds the putter until one is taken")
    func orderAndCapacity() async throws {
        let inbox = SegmentInbox(capacity: 2)
        await inbox.put(.segment(segment(1)))
        await inbox.put(.wrongKind)
        let third = Task { await inbox.put(.segment(segment(3))) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(inbox.count == 2, "the third waits for space")
        guard case .segment(let first) = inbox.takeNext() else { Issue.record("expected the first segment"); return }
        #expect(first.segmentIndex == 1)
        await third.value
        guard case .wrongKind = inbox.takeNext() else { Issue.record("expected the wrong-kind note"); return }
        guard case .segment(let last) = inbox.takeNext() else { Issue.record("expected the third segment"); return }
        #expect(last.segmentIndex == 3)
        #expect(inbox.takeNext() == nil)
    }

    @Test("a putter waiting on a full inbox returns when its task is cancelled (a learner that stops does not hang on it)")
    func cancelledPut() async throws {
        let inbox = SegmentInbox(capacity: 1)
        await inbox.put(.wrongKind)
        let waiting = Task { await inbox.put(.wrongKind) }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await waiting.value
        #expect(inbox.count == 1)
    }
}
