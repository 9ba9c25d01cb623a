import Foundation
import Logging
import NexusAlgorithms
import NexusDemonstrations
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusTestKit
import NexusTransport
import NexusWire
import Testing

@testable import NexusRuntime

/// Inputs from peers and files that used to trap or stop a process: each is now refused,
/// counted, and the process goes on.
@Suite("Hostile inputs")
struct HostileInputTests {
    @Test("segment age: versions near 2^64 and from the future are refused without overflow")
    func segmentAge() {
        #expect(SegmentAge.isUsable(segmentVersion: 5, currentVersion: 5, maxLag: 0))
        #expect(SegmentAge.isUsable(segmentVersion: 4, currentVersion: 5, maxLag: 1))
        #expect(!SegmentAge.isUsable(segmentVersion: 3, currentVersion: 5, maxLag: 1))
        #expect(!SegmentAge.isUsable(segmentVersion: UInt64.max - 1, currentVersion: 5, maxLag: 20))
        #expect(!SegmentAge.isUsable(segmentVersion: 6, currentVersion: 5, maxLag: 20))
        #expect(SegmentAge.isUsable(segmentVersion: 0, currentVersion: UInt64(Int.max), maxLag: Int.max))
        #expect(!SegmentAge.isUsable(segmentVersion: 0, currentVersion: UInt64.max, maxLag: Int.max))
    }

    @Test("an expert that answers with an error, the wrong row count or an out-of-range action is counted and asked again")
    func unusableExpertAnswers() async throws {
        let logger = Logger(label: "test")
        let fake = try RouterSocket(bind: [.loopbackAnyPort])
        var settings = RunConfig.WorkerSettings()
        // Every answer is refused on arrival (an out-of-range action while decoding), so no
        // timeout is part of the sequence: the timeout is far longer than any test run, and a
        // query that timed out would fail the count instead of passing by luck.
        (settings.expertTimeoutSeconds, settings.retryInitialSeconds, settings.retryMaxSeconds) = (3600, 0.01, 0.02)
        let client = try ExpertClient(
            endpoint: fake.endpoints[0], workerID: 1, envID: "Acrobot-v1", actionDim: 1, discreteActions: 3, settings: settings, logger: logger)
        let labelling = Task { try await client.label([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], rows: 2, observationDim: 6) }
        let answers: [ExpertAnswer.Result] = [
            .error("no"), .actions(Tensor(rows: 3, columns: 1, data: [0, 1, 2])), .actions(Tensor(rows: 2, columns: 1, data: [0, 7])),
            .actions(Tensor(rows: 2, columns: 1, data: [2, 1])),
        ]
        for result in answers {
            var (peer, message) = try await fake.receiveMessage()
            while let newer = fake.tryReceiveMessage() { (peer, message) = newer }
            guard case .expertQuery(let query) = message else { Issue.record("not a query"); return }
            try await fake.send(to: peer, .expertAnswer(ExpertAnswer(requestID: query.requestID, result: result)))
        }
        #expect(try await labelling.value == [2, 1])
        #expect(client.refusedAnswers == 3, "error, wrong rows, action 7 of 3")
        #expect(client.retries == 3, "each refusal asked again once; none timed out")
        await client.close()
        await fake.close()
    }

    @Test("weights whose policy does not fit the environment, or whose sizes are absurd, are refused before use")
    func misfitWeights() throws {
        var random = RandomSource(seed: 1)
        let pendulum = try EnvironmentRegistry.type(for: "Pendulum-v1").spec
        // A Gaussian head with 3 outputs for a 1-dimensional action would write past the action buffer.
        let wide = PolicyNetwork(sizes: [3, 8, 3], activation: .tanh, head: .gaussian, random: &random)
        #expect(throws: InstallError.self) { try InstalledPolicy(Weights(version: 2, models: [wide.model()]), spec: pendulum) }
        let fitting = PolicyNetwork(spec: pendulum, hiddenSizes: [8], activation: .tanh, random: &random)
        var badPlan = RolloutPlan(acting: .sample).model()
        badPlan.parameters[0] = NamedTensor(name: "acting_mode", tensor: Tensor(shape: [1], data: [7]))
        #expect(throws: WireError.self) { try InstalledPolicy(Weights(version: 2, models: [fitting.model(), badPlan]), spec: pendulum) }
        #expect(throws: Never.self) { try InstalledPolicy(Weights(version: 2, models: [fitting.model()]), spec: pendulum) }
        var huge = fitting.model()
        huge.architecture = "mlp 3-100000000-1 tanh gaussian"
        #expect(throws: PolicyError.self) { try PolicyNetwork(model: huge) }
    }

    @Test("configuration values that used to trap later are refused at load", arguments: [
        ("worker.heartbeat_seconds=.inf", "worker.heartbeat_seconds"), ("max_seconds=1e30", "max_seconds"),
        ("expert.max_wait_milliseconds=1e12", "expert.max_wait_milliseconds"), ("training.samples_per_iteration=1000000000000", "training.samples_per_iteration"),
        ("policy.hidden_sizes=[4096, 4096]", "beyond what a weights message carries"),
    ])
    func boundedConfiguration(override: String, named: String) {
        do {
            _ = try ConfigLoader.load(overrides: [override])
            Issue.record("\(override) was accepted")
        } catch {
            #expect("\(error)".contains(named), "\(error)")
        }
    }

    @Test("an absurd observation neither traps PPO nor poisons its parameters; the learner's validation bounds observations")
    func absurdObservation() throws {
        let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
        var settings = PPOSettings(), policy = PolicySettings()
        (settings.epochs, settings.normalizeObservations, policy.batchSize) = (2, true, 32)
        let ppo = ProximalPolicyOptimisation(spec: spec, policy: policy, samplesPerIteration: 64, settings: settings, seed: 0)
        var collector = try RolloutCollectors.make(envID: spec.id, envCount: 4, segmentSteps: 16, workerID: 1, seed: 2)
        var segments: [TrajectorySegment] = []
        while segments.count < 4 { segments += collector.step(policy: ppo.policy, policyVersion: 0, plan: ppo.rolloutPlan, expertActions: nil) }
        var poisoned = segments[0]
        var data = poisoned.observations.data
        data[5] = 1e38
        poisoned.observations = Tensor(rows: poisoned.observations.rows, columns: poisoned.observations.columns, data: data)
        #expect(throws: WireError.self) {
            try poisoned.validate(expecting: WireExpectations(maxObservationMagnitude: WireExpectations.observationMagnitudeBound))
        }
        for segment in [poisoned] + segments.dropFirst() { _ = ppo.ingest(segment) }
        _ = ppo.trainIteration()
        let finiteParameters = ppo.policy.mlp.parameters.values.allSatisfy { $0.isFinite }
        let usableScale = ppo.policy.inputScale.allSatisfy { $0.isFinite && $0 > 0 }
        #expect(finiteParameters && usableScale)
    }
}

@Suite("Advertised endpoints")
struct AdvertisedEndpointTests {
    @Test("workers are never told 0.0.0.0: the advertised host, else this machine's name")
    func advertised() throws {
        var config = RunConfig()
        #expect(LearnerServer.advertised("tcp://127.0.0.1:5555", config: config) == "tcp://127.0.0.1:5555")
        let named = LearnerServer.advertised("tcp://0.0.0.0:5555", config: config)
        #expect(!named.contains("0.0.0.0") && named.hasSuffix(":5555"))
        config.endpoints.advertise = "10.0.0.5"
        #expect(LearnerServer.advertised("tcp://0.0.0.0:5555", config: config) == "tcp://10.0.0.5:5555")
        #expect(LearnerServer.advertised("ipc:///tmp/nexus-learner", config: config) == "ipc:///tmp/nexus-learner")
        #expect(try Endpoint(parsing: "tcp://*:5560").bindsEveryInterface)
        #expect(try !Endpoint(parsing: "tcp://10.0.0.6:5560").bindsEveryInterface)
    }
}

@Suite("Damaged files")
struct DamagedFileTests {
    @Test("checkpoint counters that do not fit convert to 0 instead of trapping")
    func counters() {
        let counters = LearnerCounters(metrics: [
            Metric(name: "env_steps", value: 1e30), Metric(name: "segments", value: -5), Metric(name: "expert_queries", value: .infinity),
            Metric(name: "stale_segments_dropped", value: 7),
        ])
        #expect(counters.envSteps == 0 && counters.segments == 0 && counters.expertQueries == 0 && counters.staleSegmentsDropped == 7)
    }

    @Test("a dataset saved with another capacity, or with an absurd count, is refused on restore")
    func datasetCapacity() throws {
        var full = LabelledDataset(observationDim: 1, labelDim: 1, capacity: 3)
        for value in 0..<5 { full.append(observation: [Float(value)], label: [0]) }
        var larger = LabelledDataset(observationDim: 1, labelDim: 1, capacity: 10)
        #expect(throws: WireError.self) { try larger.restore(from: full.tensors(prefix: "d"), prefix: "d") }
        var forged = full.tensors(prefix: "d")
        forged[forged.firstIndex { $0.name == "d.added" }!] = NamedTensor(name: "d.added", tensor: Tensor(shape: [1], data: [.infinity]))
        var same = LabelledDataset(observationDim: 1, labelDim: 1, capacity: 3)
        #expect(throws: WireError.self) { try same.restore(from: forged, prefix: "d") }
        try same.restore(from: full.tensors(prefix: "d"), prefix: "d")
        #expect(same == full)
    }

    @Test("bc refuses a demonstration file without expert labels instead of idling")
    func unlabelledDemonstrations() throws {
        let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
        let episode = TrajectorySegment(
            workerID: 0, envID: spec.id, policyVersion: 0, observations: Tensor(rows: 3, columns: 4, data: [Float](repeating: 0, count: 12)),
            actions: Tensor(rows: 2, columns: 1, data: [0, 1]), rewards: [1, 1], terminated: [false, true], truncated: [false, false],
            finalObservations: Tensor(rows: 1, columns: 4, data: [0, 0, 0, 0]), finalObservationSteps: [1])
        let header = DemonstrationHeader(envID: spec.id, observationDim: 4, actionDim: 1, discreteActions: 2, expert: "none", seed: 0, nexusVersion: "test")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-unlabelled-\(UUID().uuidString).nxdemo").path
        try DemonstrationFile(header: header, episodes: [episode]).write(to: path)
        let config = try ConfigLoader.load(overrides: ["algo=bc", "demos=\(path)"])
        #expect(throws: RuntimeError.self) { try config.algorithm.makeAlgorithm(config: config, spec: spec) }
    }

    @Test("gail refuses demonstrations recorded with other env_kwargs than the run's; named defaults are the same environment")
    func demonstrationArguments() throws {
        let spec = try EnvironmentRegistry.type(for: "Pendulum-v1").spec
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-kwargs-\(UUID().uuidString).nxdemo").path
        let expert = try Experts.for(spec.id, arguments: EnvironmentArguments(["g": 12]))
        let file = DemonstrationRecorder.record(
            try EnvironmentRegistry.type(for: spec.id), expert: expert, episodes: 1, seed: 1, nexusVersion: "test", arguments: EnvironmentArguments(["g": 12]))
        try file.write(to: path)
        #expect(try DemonstrationFile.read(from: path).header.environmentArguments == ["g": 12])
        let defaults = try ConfigLoader.load(overrides: ["algo=gail", "env=Pendulum-v1", "demos=\(path)"])
        #expect(throws: RuntimeError.self) { try defaults.algorithm.makeAlgorithm(config: defaults, spec: spec) }
        let same = try ConfigLoader.load(overrides: ["algo=gail", "env=Pendulum-v1", "demos=\(path)", "env_kwargs.g='12.0'"])
        _ = try same.algorithm.makeAlgorithm(config: same, spec: spec)
        let plain = DemonstrationRecorder.record(
            try EnvironmentRegistry.type(for: spec.id), expert: expert, episodes: 1, seed: 1, nexusVersion: "test")
        try plain.write(to: path)
        let namedDefault = try ConfigLoader.load(overrides: ["algo=gail", "env=Pendulum-v1", "demos=\(path)", "env_kwargs.g='10'"])
        _ = try namedDefault.algorithm.makeAlgorithm(config: namedDefault, spec: spec)
    }
}
