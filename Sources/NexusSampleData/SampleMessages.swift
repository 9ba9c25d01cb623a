import NexusRandom
import NexusWire

/// Valid messages of every kind, deterministic for a seed, for tests and benchmarks.
public enum SampleMessages {
    /// A trajectory segment of `steps` steps with episode ends every `episodeLength` steps.
    public static func trajectory(
        steps: Int = 64, observationDim: Int = 4, actionDim: Int = 1, discreteActions: Int? = 2,
        episodeLength: Int = 25, withExpertLabels: Bool = true, seed: UInt64 = 1
    ) -> TrajectorySegment {
        var random = RandomSource(seed: seed)
        let observations = (0..<((steps + 1) * observationDim)).map { _ in random.nextFloat() }
        func action() -> Float {
            if let discreteActions { return Float(Int.random(in: 0..<discreteActions, using: &random)) }
            return random.nextFloat()
        }
        let actions = (0..<(steps * actionDim)).map { _ in action() }
        let ended = (0..<steps).map { ($0 + 1) % episodeLength == 0 }
        let terminated = ended.enumerated().map { $0.element && $0.offset % 2 == 0 }
        let truncated = zip(ended, terminated).map { $0 && !$1 }
        let endedSteps = ended.indices.filter { ended[$0] }
        return TrajectorySegment(
            workerID: 3, envIndex: 1, episodeID: 7, segmentIndex: 11, envID: "CartPole-v1", policyVersion: 42,
            observations: Tensor(rows: steps + 1, columns: observationDim, data: observations),
            actions: Tensor(rows: steps, columns: actionDim, data: actions),
            behaviourLogProbs: (0..<steps).map { _ in -random.nextFloat(in: 0...3) },
            rewards: (0..<steps).map { _ in 1 },
            terminated: terminated, truncated: truncated,
            finalObservations: Tensor(
                rows: endedSteps.count, columns: observationDim,
                data: (0..<(endedSteps.count * observationDim)).map { _ in random.nextFloat() }),
            finalObservationSteps: endedSteps.map { UInt32($0) },
            expertActions: withExpertLabels ? Tensor(rows: steps, columns: actionDim, data: (0..<(steps * actionDim)).map { _ in action() }) : nil,
            expertMask: withExpertLabels ? (0..<steps).map { $0 % 3 != 0 } : [],
            expertActed: withExpertLabels ? (0..<steps).map { $0 % 5 == 0 } : [],
            uncertainty: (0..<steps).map { _ in random.nextFloat(in: 0...1) },
            safetyEvents: steps > 2 ? [SafetyEvent(step: 1, kind: .nearBoundary, severity: 0.5), SafetyEvent(step: UInt32(steps - 1), kind: .violation, severity: 1)] : [],
            completedEpisodeReturns: endedSteps.map { Float($0 + 1) },
            completedEpisodeLengths: endedSteps.map { UInt32($0 + 1) })
    }

    /// Weights of an MLP with the given layer widths, about `sum(in*out + out)` parameters.
    public static func weights(layers: [Int] = [17, 256, 256, 6], version: UInt64 = 5, seed: UInt64 = 2) -> Weights {
        var random = RandomSource(seed: seed)
        var parameters: [NamedTensor] = []
        for (index, (inputs, outputs)) in zip(layers, layers.dropFirst()).enumerated() {
            parameters.append(NamedTensor(name: "layer\(index).weight", tensor: Tensor(rows: outputs, columns: inputs, data: (0..<(inputs * outputs)).map { _ in random.nextFloat() })))
            parameters.append(NamedTensor(name: "layer\(index).bias", tensor: Tensor(shape: [outputs], data: (0..<outputs).map { _ in random.nextFloat() })))
        }
        let policy = Model(kind: .policy, name: "policy", architecture: "mlp " + layers.map(String.init).joined(separator: "-"), parameters: parameters)
        let logStd = Model(kind: .value, name: "value", architecture: "mlp 17-1", parameters: [NamedTensor(name: "scalar", tensor: Tensor(shape: [], data: [0.5]))])
        return Weights(version: version, runID: "sample-run", models: [policy, logStd])
    }

    /// One valid message of every kind (and the empty and edge cases of each).
    public static func everyKind() -> [WireMessage] {
        [
            .tensor(Tensor(shape: [], data: [3.5])),
            .tensor(Tensor.empty(columns: 17)),
            .tensor(Tensor(shape: [2, 3, 4], data: (0..<24).map { Float($0) - 12 })),
            .tensor(Tensor(shape: [0], data: [])),
            .trajectory(trajectory()),
            .trajectory(trajectory(steps: 1, observationDim: 3, actionDim: 2, discreteActions: nil, episodeLength: 1, withExpertLabels: false)),
            .trajectory(trajectory(steps: 0, withExpertLabels: false)),
            .weights(weights(layers: [4, 8, 2])),
            .weights(Weights(version: 0, models: [])),
            .expertQuery(ExpertQuery(requestID: 9, workerID: 2, envID: "Pendulum-v1", observations: Tensor(rows: 2, columns: 3, data: [1, 2, 3, 4, 5, 6]))),
            .expertAnswer(ExpertAnswer(requestID: 9, result: .actions(Tensor(rows: 2, columns: 1, data: [-2, 2])))),
            .expertAnswer(ExpertAnswer(requestID: 10, result: .error("unknown env Foo-v0"))),
            .expertAnswer(ExpertAnswer(requestID: 11, result: .error(""))),
            .control(.hello(.init(workerID: 1, host: "node-1", pid: 1234, numEnvs: 8, nexusVersion: "0.1.0"))),
            .control(.welcome(.init(workerID: 1, runID: "run", runConfig: "algo: dagger\n", weights: weights(layers: [4, 2])))),
            .control(.welcome(.init(workerID: 2, runID: "", runConfig: "", weights: nil))),
            .control(.heartbeat(.init(workerID: 1, sequence: .max, envSteps: 1 << 40, policyVersion: 3))),
            .control(.statusRequest),
            .control(.status(.init(role: "learner", runID: "run", policyVersion: 4, metrics: [Metric(name: "eval_return", value: 500), Metric(name: "loss", value: .nan)]))),
            .control(.stop(reason: "done")),
            .control(.stop(reason: "")),
            .control(.moreData(policyVersion: 7)),
            .control(.moreData(policyVersion: 0)),
            .control(.heartbeat(.init(workerID: 2, sequence: 1, envSteps: 8, policyVersion: 1, envFailures: 4, expertRetries: 3))),
            .envRequest(EnvRequest(requestID: 1, kind: .describe)),
            .envRequest(EnvRequest(requestID: 2, kind: .reset(seed: 42))),
            .envRequest(EnvRequest(requestID: 3, kind: .reset(seed: nil))),
            .envRequest(EnvRequest(requestID: 4, kind: .step(Tensor(rows: 2, columns: 6, data: (0..<12).map { Float($0) / 12 })))),
            .envReply(EnvReply(requestID: 1, result: .spaces(EnvSpaces(
                envID: "HalfCheetah-v5", copies: 8, observationDim: 17, discreteActions: 0, actionLow: [Float](repeating: -1, count: 6),
                actionHigh: [Float](repeating: 1, count: 6), maxEpisodeSteps: 1000, rewardThreshold: 4800)))),
            .envReply(EnvReply(requestID: 2, result: .spaces(EnvSpaces(envID: "CartPole-v1", copies: 1, observationDim: 4, discreteActions: 2, maxEpisodeSteps: 500, rewardThreshold: nil)))),
            .envReply(EnvReply(requestID: 3, result: .stepped(EnvStepped(
                observations: Tensor(rows: 2, columns: 3, data: [1, 2, 3, 4, 5, 6]), rewards: [1, -0.5], terminated: [true, false], truncated: [false, false],
                finalObservations: Tensor(rows: 2, columns: 3, data: [7, 8, 9, 0, 0, 0]), unsafe: [false, true])))),
            .envReply(EnvReply(requestID: 4, result: .stepped(EnvStepped(observations: Tensor(rows: 1, columns: 2, data: [0, 1]), finalObservations: Tensor(rows: 1, columns: 2, data: [0, 0]))))),
            .envReply(EnvReply(requestID: 5, result: .error("RuntimeError: step fails on purpose"))),
            .envRequest(EnvRequest(requestID: 5, kind: .step(Tensor(rows: 3, columns: 1, data: [0, 1, 0])), idle: [false, true, true])),
        ]
    }
}
