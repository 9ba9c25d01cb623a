import Foundation
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
        // A value of 0 is written all the same (a oneof member has presence): a reader that
        // finds a tag with no simple_value drops the point.
        let zero = TensorBoardCodec.encode(.scalars(wallTime: 1, step: 1, values: [TensorBoardScalar(tag: "x", value: 0)]))
        guard case .scalars(_, _, let read) = try TensorBoardCodec.decode(zero) else { Issue.record("not scalars"); return }
        #expect(read == [TensorBoardScalar(tag: "x", value: 0)] && zero.count > TensorBoardCodec.encode(.scalars(wallTime: 1, step: 1, values: [])).count + 4)
    }

    /// A BC run's tb/ file as Nexus wrote it before scalars became simple_values (each value a
    /// rank-0 float tensor with the scalars plugin's metadata): a resumed run still reads it.
    static let earlierFile = "GAAAAAAAAACjf0siCerPgPoSxdpBGg1icmFpbi5FdmVudDoyhwRLA4ICAAAAAAAAh9/ksAkqNoX6EsXaQRABKvQECicKDHdhbGxfc2Vjb25kc0IICAEqBKZQsD1KDQoJCgdzY2FsYXJzIAEKJAoJZW52X3N0ZXBzQggIASoEAAAAAEoNCgkKB3NjYWxhcnMgAQopCg5leHBlcnRfcXVlcmllc0IICAEqBAAAAABKDQoJCgdzY2FsYXJzIAEKKAoNdW5zYWZlX2V2ZW50c0IICAEqBAAAAABKDQoJCgdzY2FsYXJzIAEKKQoOcG9saWN5X3ZlcnNpb25CCAgBKgQAAABASg0KCQoHc2NhbGFycyABCiYKC3BvbGljeV9sb3NzQggIASoExHhiPkoNCgkKB3NjYWxhcnMgAQopCg50cmFpbl9hY2N1cmFjeUIICAEqBAAgcj9KDQoJCgdzY2FsYXJzIAEKJwoMZGF0YXNldF9zaXplQggIASoEAEAcRkoNCgkKB3NjYWxhcnMgAQorChBsYWJlbHNfZGlzY2FyZGVkQggIASoEAAAAAEoNCgkKB3NjYWxhcnMgAQofCgRiZXRhQggIASoEAAAAAEoNCgkKB3NjYWxhcnMgAQosChFub25maW5pdGVfdXBkYXRlc0IICAEqBAAAAABKDQoJCgdzY2FsYXJzIAEKKQoOdXBkYXRlX3NlY29uZHNCCAgBKgTuJSM9Sg0KCQoHc2NhbGFycyABCicKDGV2YWxfc2Vjb25kc0IICAEqBDZfhTtKDQoJCgdzY2FsYXJzIAEKKwoQZXZhbF9yZXR1cm5fbWVhbkIICAEqBDPz+UNKDQoJCgdzY2FsYXJzIAEKKgoPZXZhbF9yZXR1cm5fc3RkQggIASoE9izfPkoNCgkKB3NjYWxhcnMgAZLFYhE="

    @Test("an events file of the earlier tensor form reads back: the same tags and float values")
    func earlierForm() throws {
        let records = try TFRecord.records(in: Array(try #require(Data(base64Encoded: Self.earlierFile))))
        #expect(records.count == 2)
        guard case .fileVersion = try TensorBoardCodec.decode(records[0]) else { Issue.record("no file version first"); return }
        guard case .scalars(_, let step, let values) = try TensorBoardCodec.decode(records[1]) else { Issue.record("not scalars"); return }
        #expect(step == 1)
        let read = Dictionary(uniqueKeysWithValues: values.map { ($0.tag, $0.value) })
        #expect(read["eval_return_mean"] == Double(Float(499.9)) && read["dataset_size"] == 10000 && read["env_steps"] == 0)
        #expect(values.count == 15)
    }
}
