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

    @Test("every truncation and 100 random bit flips are refused with a clear error, never misread")
    func everyTruncationIsRefused() throws {
        let bytes = Self.file.encoded()
        for length in 0..<bytes.count {
            // Cuts between records too: they used to read as a file with fewer episodes.
            #expect(throws: DemonstrationFileError.self, "cut at \(length)") { try Array(bytes.prefix(length)).withUnsafeBytes { try DemonstrationFile.decode($0) } }
        }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            var flipped = bytes
            let bit = Int.random(in: 0..<(bytes.count * 8), using: &random)
            flipped[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(throws: DemonstrationFileError.self, "bit \(bit)") { try flipped.withUnsafeBytes { try DemonstrationFile.decode($0) } }
        }
    }

    @Test func wrongMagicAndMisplacedRecordsAreNamed() throws {
        #expect(throws: DemonstrationFileError.notADemonstrationFile(path: "")) {
            try Array("NXDEMOXX".utf8).withUnsafeBytes { try DemonstrationFile.decode($0) }
        }
        #expect(throws: DemonstrationFileError.self) { try Array("NXDEMO01 older".utf8).withUnsafeBytes { try DemonstrationFile.decode($0) } }
        var bytes = DemonstrationFile.magic
        let episode = StorageCodec.encode(.episode(Self.file.episodes[0]))
        withUnsafeBytes(of: UInt32(episode.count).littleEndian) { bytes += $0 }
        bytes += episode
        #expect(throws: DemonstrationFileError.misplacedRecord(path: "", record: 0, "an episode before the header")) {
            try DemonstrationFile.sealed(bytes).withUnsafeBytes { try DemonstrationFile.decode($0) }
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
