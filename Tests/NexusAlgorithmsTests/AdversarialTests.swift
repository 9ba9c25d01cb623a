import Foundation
import NexusDemonstrations
import NexusEnvironments
import NexusNN
import NexusPolicies
import NexusTestKit
import NexusWire
import Testing

@testable import NexusAlgorithms

/// GAIL's and AIRL's discriminator: rewards follow the papers' formulas, the logistic loss's
/// gradient (through g, and h at s and s′) matches finite differences, episode ends become
/// absorbing states.
@Suite("GAIL and AIRL discriminators")
struct AdversarialTests {
    static func segment() -> TrajectorySegment {
        // 3 steps of a 2-dimensional environment with 2 discrete actions: step 0 runs on,
        // step 1 is truncated (final observation [9, 9]), step 2 terminates.
        TrajectorySegment(
            workerID: 1, envID: "test", policyVersion: 1,
            observations: Tensor(rows: 4, columns: 2, data: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]),
            actions: Tensor(rows: 3, columns: 1, data: [1, 0, 1]), rewards: [1, 1, 1],
            terminated: [false, false, true], truncated: [false, true, false],
            finalObservations: Tensor(rows: 2, columns: 2, data: [9, 9, 8, 8]), finalObservationSteps: [1, 2])
    }

    /// GAIL and AIRL as the papers have them: no warm start, no cloning term.
    static var pureAdversarial: AdversarialSettings {
        var settings = AdversarialSettings()
        (settings.warmStartSteps, settings.demonstrationWeight) = (0, 0)
        return settings
    }

    static func discriminator(_ method: AdversarialSettings.Method, stateOnly: Bool = true, spectral: Bool = false, seed: UInt64 = 1) -> AdversarialDiscriminator {
        var settings = AdversarialSettings()
        (settings.hiddenSizes, settings.stateOnlyReward, settings.spectralNorm) = ([5], stateOnly, spectral)
        var random = RandomSource(seed: seed)
        let discriminator = AdversarialDiscriminator(
            observationDim: 2, actionDim: 1, discreteActions: 2, gamma: 0.9, method: method, settings: settings, normalisation: ([0.2, 0.1], [2, 0.5]), random: &random)
        for network in [discriminator.g] + (discriminator.h.map { [$0] } ?? []) {
            for index in network.parameters.values.indices { network.parameters.values[index] += random.nextFloat(in: -0.3...0.3) }
            network.updatesSpectralEstimates = false
        }
        return discriminator
    }

    @Test("episode ends: a terminated step leads to the absorbing state, which repeats; a truncated one to its final observation")
    func absorbingStates() {
        var set = TransitionSet(observationDim: 2, actionDim: 1)
        set.append(Self.segment())
        #expect(set.count == 4)
        #expect(set.isAbsorbing == [false, false, false, true])
        #expect(Array(set.nextStates[0..<3]) == [0.3, 0.4, 0])
        #expect(Array(set.nextStates[3..<6]) == [9, 9, 0])
        #expect(Array(set.nextStates[6..<9]) == [0, 0, 1])
        #expect(Array(set.states[9..<12]) == [0, 0, 1] && Array(set.nextStates[9..<12]) == [0, 0, 1])
    }

    @Test("GAIL's reward is −log(1 − D), AIRL's is log D − log(1 − D) with D = exp f / (exp f + π)")
    func rewardFormulas() {
        var set = TransitionSet(observationDim: 2, actionDim: 1)
        set.append(Self.segment())
        let gail = Self.discriminator(.gail)
        let logits = gail.logits(set, logPolicy: [0, 0, 0, 0])
        for (reward, logit) in zip(gail.rewards(set, logPolicy: [0, 0, 0, 0]), logits) {
            let d = 1 / (1 + exp(-Double(logit)))
            #expect(abs(Double(reward) - -log(1 - d)) < 1e-5)
        }

        let airl = Self.discriminator(.airl)
        let logPolicy: [Float] = [-0.3, -1.2, -0.7, 0]
        let rewards = airl.rewards(set, logPolicy: logPolicy)
        // f by hand from the networks: g(s) + γ h(s′) − h(s), on normalised, flagged states.
        func value(_ network: MLP, _ state: [Float]) -> Float {
            network.forward(airl.normalisedStates(state), batch: 1)
            return network.output[0]
        }
        for row in 0..<4 {
            let state = Array(set.states[(row * 3)..<((row + 1) * 3)]), next = Array(set.nextStates[(row * 3)..<((row + 1) * 3)])
            let f = value(airl.g, state) + 0.9 * value(airl.h!, next) - value(airl.h!, state)
            let d = exp(Double(f)) / (exp(Double(f)) + exp(Double(logPolicy[row])))
            #expect(abs(Double(rewards[row]) - (log(d) - log(1 - d))) < 1e-4, "row \(row)")
        }
    }

    @Test("the logistic loss's gradient through g (and h at s and s′) matches finite differences", arguments: [
        (AdversarialSettings.Method.gail, true, false), (.gail, false, true), (.airl, true, false), (.airl, false, true),
    ])
    func lossGradient(method: AdversarialSettings.Method, stateOnly: Bool, spectral: Bool) {
        let discriminator = Self.discriminator(method, stateOnly: stateOnly, spectral: spectral, seed: 7)
        var set = TransitionSet(observationDim: 2, actionDim: 1)
        set.append(Self.segment())
        let logPolicy: [Float] = [-0.3, -1.2, -0.7, 0]
        let targets: [Float] = [1, 0, 0.9, 0.1]
        for network in [discriminator.g] + (discriminator.h.map { [$0] } ?? []) {
            discriminator.g.parameters.zeroGradients()
            discriminator.h?.parameters.zeroGradients()
            discriminator.accumulateLossGradient(set, logPolicy: logPolicy, targets: targets)
            let analytic = network.parameters.gradients, saved = network.parameters.values
            let mismatches = FiniteDifferences.mismatches(analytic, at: saved, epsilon: 1e-2) {
                network.parameters.values = $0
                return discriminator.accumulateLossGradient(set, logPolicy: logPolicy, targets: targets).loss
            }
            network.parameters.values = saved
            #expect(mismatches.isEmpty, "\(network.parameters.entries.first?.name ?? ""): \(mismatches)")
        }
    }

    @Test("training separates expert from policy transitions; the learned reward ranks them")
    func discriminatorLearns() {
        var random = RandomSource(seed: 3)
        func transitions(around centre: Float, action: Float) -> TransitionSet {
            var set = TransitionSet(observationDim: 2, actionDim: 1)
            let observations = (0..<66).map { _ in centre + random.nextFloat(in: -0.3...0.3) }
            set.append(TrajectorySegment(
                workerID: 1, envID: "test", policyVersion: 1, observations: Tensor(rows: 33, columns: 2, data: observations),
                actions: Tensor(rows: 32, columns: 1, data: [Float](repeating: action, count: 32)), rewards: [Float](repeating: 0, count: 32),
                terminated: [Bool](repeating: false, count: 32), truncated: [Bool](repeating: false, count: 32)))
            return set
        }
        for method in AdversarialSettings.Method.allCases {
            let discriminator = Self.discriminator(method)
            let expert = transitions(around: 1, action: 1), policy = transitions(around: -1, action: 0)
            let zeros = [Float](repeating: 0, count: 32)
            var step = discriminator.trainStep(expert: expert, expertLogPolicy: zeros, policy: policy, policyLogPolicy: zeros, random: &random)
            for _ in 0..<300 { step = discriminator.trainStep(expert: expert, expertLogPolicy: zeros, policy: policy, policyLogPolicy: zeros, random: &random) }
            #expect(step.expertAccuracy == 1 && step.policyAccuracy == 1, "\(method): \(step)")
            let expertReward = discriminator.rewards(expert, logPolicy: zeros).reduce(0, +)
            let policyReward = discriminator.rewards(policy, logPolicy: zeros).reduce(0, +)
            #expect(expertReward > policyReward, "\(method)")
        }
    }
}

extension AdversarialTests {
    @Test("a checkpoint's learned reward reads back: GAIL −log(1 − D) as trained, AIRL g alone; bad models are refused")
    func learnedRewardReadsBack() throws {
        let spec = try EnvironmentRegistry.type(for: "CartPole-v1").spec
        let demos = DemonstrationRecorder.record(CartPole.self, expert: CartPoleExpert(), episodes: 2, seed: 1, nexusVersion: "test")
        var segment = Self.segment()
        segment = TrajectorySegment(
            workerID: 1, envID: spec.id, policyVersion: 1, observations: Tensor(rows: 4, columns: 4, data: (0..<16).map { Float($0) / 20 }),
            actions: Tensor(rows: 3, columns: 1, data: [1, 0, 1]), rewards: [1, 1, 1], terminated: [false, false, true], truncated: [false, false, false],
            finalObservations: Tensor(rows: 1, columns: 4, data: [0, 0, 0, 0]), finalObservationSteps: [2])
        for method in AdversarialSettings.Method.allCases {
            let algorithm = AdversarialImitation(
                spec: spec, method: method, generator: PPOSetup().make(spec), settings: Self.pureAdversarial, seed: 0, demonstrations: demos.episodes)
            guard let model = algorithm.models().first(where: { $0.kind == .discriminator || $0.kind == .reward }) else {
                Issue.record("no learned reward model")
                continue
            }
            #expect(model.kind == (method == .gail ? .discriminator : .reward))
            let reward = try LearnedReward(model: model, spec: spec, gamma: 0.99)
            var transitions = TransitionSet(observationDim: 4, actionDim: 1)
            transitions.append(segment, absorbing: false)
            let zeros = [Float](repeating: 0, count: 3)
            let expected: [Float]
            if method == .gail {
                expected = algorithm.discriminator.rewards(transitions, logPolicy: zeros)
            } else {
                algorithm.discriminator.g.forward(algorithm.discriminator.rewardInputs(transitions), batch: 3)
                expected = algorithm.discriminator.g.output
            }
            let absorbing = algorithm.absorbingReward()
            let got = reward.rewards(for: segment)
            #expect(abs(got[0] - expected[0]) < 1e-5 && abs(got[1] - expected[1]) < 1e-5, "\(method)")
            if method == .gail {
                #expect(abs(got[2] - (expected[2] + 0.99 / 0.01 * absorbing)) < 1e-3, "\(method): terminal step carries the absorbing value")
            }
            #expect(throws: PolicyFileError.self) { try LearnedReward(model: algorithm.policy.model(), spec: spec, gamma: 0.99) }
        }
    }
}
