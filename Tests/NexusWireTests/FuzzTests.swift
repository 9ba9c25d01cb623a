import Foundation
import NexusNN
import NexusTestKit
import Testing

@testable import NexusWire

@Suite("Hostile bytes")
struct FuzzTests {
    enum Mutation: CaseIterable { case truncate, flipBits, overwrite, insert, randomBytes, splice }

    static func mutate(_ bytes: [UInt8], _ mutation: Mutation, _ random: inout RandomSource) -> [UInt8] {
        var result = bytes
        switch mutation {
        case .truncate:
            result = Array(bytes.prefix(Int.random(in: 0..<max(bytes.count, 1), using: &random)))
        case .flipBits:
            for _ in 0..<Int.random(in: 1...4, using: &random) where !result.isEmpty {
                let index = Int.random(in: 0..<result.count, using: &random)
                result[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            }
        case .overwrite:
            for _ in 0..<Int.random(in: 1...8, using: &random) where !result.isEmpty {
                result[Int.random(in: 0..<result.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
        case .insert:
            let index = Int.random(in: 0...result.count, using: &random)
            result.insert(contentsOf: (0..<Int.random(in: 1...6, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: index)
        case .randomBytes:
            result = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        case .splice:
            let cut = Int.random(in: 0...result.count, using: &random)
            result = Array(result[..<cut]) + Array(result[cut...].shuffled(using: &random).prefix(16))
        }
        return result
    }

    @Test("100,000 random, truncated and bit-flipped messages are each decoded into a valid value or refused with a WireError")
    func mutatedMessagesNeverCrash() async throws {
        let (decoded, refused) = try await offCooperativePool { try Self.fuzz() }
        #expect(decoded + refused == 100_000)
        // Both outcomes must really occur, or the mutations were not exercising the decoder.
        #expect(decoded > 1000)
        #expect(refused > 10_000)
    }

    static func fuzz() throws -> (decoded: Int, refused: Int) {
        let seeds = SampleMessages.everyKind().map(WireCodec.encode)
        // Small limits make the size and count checks fire too, not only the parser's.
        let limits = WireLimits(maxMessageBytes: 64 << 10, maxTensorElements: 4096, maxStringBytes: 256, maxRepeatedMessages: 64)
        var random = RandomSource(seed: 2024)
        var decoded = 0
        var refused: [String: Int] = [:]
        for round in 0..<100_000 {
            let mutation = Mutation.allCases[round % Mutation.allCases.count]
            let input = Self.mutate(seeds[round % seeds.count], mutation, &random)
            do {
                let message = try WireCodec.decode(input, limits: limits)
                try message.validate(limits: limits)
                decoded += 1
            } catch let error as WireError {
                refused[String(describing: error).split(separator: " ").prefix(2).joined(separator: " "), default: 0] += 1
            }
        }
        return (decoded, refused.values.reduce(0, +))
    }

    @Test("fuzzer findings, kept in Fuzz/corpus as regression-*, are refused with a WireError", arguments: ["regression-model-kind-2pow32-minus-2"])
    func fuzzerFindings(name: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/\(name)")
        let bytes = try FileBytes.read(path.path)
        #expect(throws: WireError.self) { try WireCodec.decode(bytes) }
    }
}
