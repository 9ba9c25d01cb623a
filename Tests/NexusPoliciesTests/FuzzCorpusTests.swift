import Foundation
import NexusNN
import NexusPolicies
import NexusRandom
import NexusSampleData
import NexusWire
import Testing

/// The seed corpus of the fuzz target (Fuzz/corpus): one valid message of every kind and
/// weights that load as CartPole and Pendulum policies, so that libFuzzer starts from inputs
/// that reach the validation and policy-loading code. `NEXUS_WRITE_FUZZ_CORPUS=1 swift test
/// --filter FuzzCorpusTests` rewrites it.
@Suite("Fuzz seed corpus")
struct FuzzCorpusTests {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus")
    }

    static func seeds() -> [(name: String, message: WireMessage)] {
        var random = RandomSource(seed: 11)
        let cartPole = PolicyNetwork(sizes: [4, 16, 2], activation: .tanh, head: .categorical, random: &random)
        let pendulum = PolicyNetwork(sizes: [3, 16, 1], activation: .tanh, head: .gaussian, random: &random)
        let policies: [(String, WireMessage)] = [
            ("weights-cartpole", .weights(Weights(version: 3, runID: "seed", models: [cartPole.model()]))),
            ("weights-pendulum", .weights(Weights(version: 4, runID: "seed", models: [pendulum.model()]))),
            ("welcome-cartpole", .control(.welcome(.init(workerID: 1, runID: "seed", runConfig: "env: CartPole-v1\n", weights: Weights(version: 1, models: [cartPole.model()]))))),
        ]
        return SampleMessages.everyKind().enumerated().map { ("sample-\($0.offset)", $0.element) } + policies
    }

    @Test("every seed is a message the decoder accepts, and the committed corpus is these seeds")
    func corpus() throws {
        let seeds = Self.seeds()
        if ProcessInfo.processInfo.environment["NEXUS_WRITE_FUZZ_CORPUS"] != nil {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            for (name, message) in seeds { try Data(WireCodec.encode(message)).write(to: Self.directory.appendingPathComponent(name)) }
        }
        for (name, message) in seeds {
            let committed = Data(try FileBytes.read(Self.directory.appendingPathComponent(name).path))
            #expect(Array(committed) == WireCodec.encode(message), "Fuzz/corpus/\(name) is stale")
            #expect(try WireCodec.decode(Array(committed)) == message)
        }
    }
}
