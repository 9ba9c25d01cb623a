import Foundation
import NexusTestKit
import Testing

@testable import NexusWire

@Suite("Demonstration files")
struct DemonstrationFileTests {
    static let header = DemonstrationHeader(envID: "CartPole-v1", observationDim: 4, actionDim: 1, discreteActions: 2, expert: "analytic", seed: 7, nexusVersion: "0.1.0")
    static let file = DemonstrationFile(
        header: header,
        episodes: (0..<3).map { SampleMessages.trajectory(steps: 20 + $0, episodeLength: 20 + $0, withExpertLabels: false, seed: UInt64($0)) })

    @Test func writesAndReadsBackExactly() throws {
        let path = NSTemporaryDirectory() + "nexus-demo-\(UUID().uuidString).nxdemo"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.file.write(to: path)
        let read = try DemonstrationFile.read(from: path)
        #expect(read == Self.file)
        #expect(read.totalSteps == 20 + 21 + 22)
    }

    @Test("every truncation of a file is refused with a clear error, never misread")
    func everyTruncationIsRefused() throws {
        let bytes = Self.file.encoded()
        var refused = 0
        for length in stride(from: 0, to: bytes.count, by: 7) {
            let prefix = Array(bytes.prefix(length))
            do {
                let decoded = try prefix.withUnsafeBytes { try DemonstrationFile.decode($0) }
                // A cut exactly between records is a shorter, valid file.
                #expect(decoded.episodes.count < Self.file.episodes.count)
                #expect(Array(decoded.episodes) == Array(Self.file.episodes.prefix(decoded.episodes.count)))
            } catch is DemonstrationFileError {
                refused += 1
            }
        }
        #expect(refused > bytes.count / 7 - 4)
    }

    @Test func wrongMagicAndMisplacedRecordsAreNamed() throws {
        #expect(throws: DemonstrationFileError.notADemonstrationFile(path: "")) {
            try Array("NXDEMO02".utf8).withUnsafeBytes { try DemonstrationFile.decode($0) }
        }
        var bytes = DemonstrationFile.magic
        let episode = StorageCodec.encode(.episode(Self.file.episodes[0]))
        withUnsafeBytes(of: UInt32(episode.count).littleEndian) { bytes += $0 }
        bytes += episode
        #expect(throws: DemonstrationFileError.misplacedRecord(path: "", record: 0, "an episode before the header")) {
            try bytes.withUnsafeBytes { try DemonstrationFile.decode($0) }
        }
    }

    @Test func anEpisodeThatDoesNotMatchTheHeaderIsRefused() throws {
        var file = Self.file
        file.episodes.append(SampleMessages.trajectory(steps: 5, observationDim: 6, episodeLength: 5, withExpertLabels: false))
        let bytes = file.encoded()
        #expect(throws: DemonstrationFileError.invalidRecord(path: "", record: 4, .dimensionMismatch(field: "trajectory.observations.columns", expected: 4, received: 6))) {
            try bytes.withUnsafeBytes { try DemonstrationFile.decode($0) }
        }
    }

    @Test func aMissingFileNamesItsPath() {
        #expect {
            try DemonstrationFile.read(from: "/nonexistent/demos.nxdemo")
        } throws: { error in
            String(describing: error).contains("/nonexistent/demos.nxdemo")
        }
    }
}
