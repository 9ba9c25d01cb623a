import Testing

@testable import NexusWire

@Suite("TensorBoard event records")
struct TensorBoardEventTests {
    @Test("CRC-32C matches the published check value and RFC 3720's test vectors")
    func crc32cVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test("records frame and read back; a cut tail ends the list; any flipped bit is refused")
    func framing() throws {
        let payloads: [[UInt8]] = [[], Array("brain.Event:2".utf8), (0..<300).map { UInt8($0 % 251) }]
        let file = payloads.flatMap(TFRecord.frame)
        #expect(file.count == payloads.reduce(0) { $0 + $1.count + 16 })
        #expect(try TFRecord.records(in: file) == payloads)
        // A writer still appending: the complete records are read, the partial one is not.
        #expect(try TFRecord.records(in: Array(file.dropLast(5))) == Array(payloads.prefix(2)))
        for index in stride(from: 0, to: file.count, by: 7) {
            var damaged = file
            damaged[index] ^= 0x10
            #expect(throws: WireError.self, "byte \(index)") { _ = try TFRecord.records(in: damaged) }
        }
    }

    @Test("events round-trip, scalars rounded to the float TensorBoard stores")
    func events() throws {
        let version = TensorBoardEvent.fileVersion(wallTime: 1.5e9)
        #expect(try TensorBoardCodec.decode(TensorBoardCodec.encode(version)) == version)
        let scalars = TensorBoardEvent.scalars(
            wallTime: 1_796_000_000.25, step: 42, values: [TensorBoardScalar(tag: "eval_return_mean", value: 475.5), TensorBoardScalar(tag: "wall_seconds", value: 0.1)])
        guard case .scalars(let wallTime, let step, let values) = try TensorBoardCodec.decode(TensorBoardCodec.encode(scalars)) else {
            Issue.record("not scalars")
            return
        }
        #expect(wallTime == 1_796_000_000.25 && step == 42)
        #expect(values.map(\.tag) == ["eval_return_mean", "wall_seconds"])
        #expect(values.map(\.value) == [475.5, Double(Float(0.1))])
    }
}
