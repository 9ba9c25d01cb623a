import Foundation
import NexusEnvironments
import NexusWire
import Testing

@testable import NexusDemonstrations

@Suite("Demonstration recording")
struct DemonstrationRecorderTests {
    @Test("recorded expert episodes are valid, survive a file round trip, and have the expert's returns")
    func recordWriteRead() throws {
        let file = DemonstrationRecorder.record(CartPole.self, expert: CartPoleExpert(), episodes: 3, seed: 4, nexusVersion: "test")
        #expect(file.episodes.count == 3 && file.totalSteps == 1500)
        for episode in file.episodes { try episode.validate(expecting: file.header.expectations) }
        let path = NSTemporaryDirectory() + "nexus-demos-\(UUID().uuidString).nxdemo"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(to: path)
        let read = try DemonstrationFile.read(from: path)
        #expect(read == file)
        let summary = DemonstrationRecorder.summary(read)
        #expect(summary.episodes == 3 && summary.steps == 1500 && summary.meanReturn == 500)
    }

    @Test("a terminated episode ends with its terminal flag and final observation")
    func terminatedEpisode() throws {
        let file = DemonstrationRecorder.record(MountainCar.self, expert: MountainCarExpert(), episodes: 2, seed: 1, nexusVersion: "test")
        for episode in file.episodes {
            #expect(episode.terminated.last == true && episode.truncated.last == false)
            #expect(episode.finalObservations.data == Array(episode.observations.data.suffix(2)))
            try episode.validate(expecting: file.header.expectations)
        }
    }
}
