import NexusEnvironments
import NexusNN
import NexusWire

/// A reward learned by GAIL or AIRL, read back from a checkpoint's `learned_reward` model, to
/// train a fresh policy on in place of the environment's (`ppo.reward`, `--reward FILE`).
/// GAIL's reward is −log(1 − D(s, a)); AIRL's is g alone (the state-only reward term, as in the
/// paper's transfer experiments: the shaping h and the −log π term belong to the dynamics and
/// the policy it was trained with). Episode ends use the absorbing state as in training.
public struct LearnedReward {
    public let discriminator: AdversarialDiscriminator
    public let method: AdversarialSettings.Method

    public init(model: Model, spec: EnvironmentSpec, gamma: Float) throws {
        guard model.kind == .discriminator || model.kind == .reward else {
            throw PolicyFileError("model \"\(model.name)\" is not a learned reward (\(model.kind))")
        }
        let words = model.architecture.split(separator: " ").map(String.init)
        guard words.count >= 4, let method = AdversarialSettings.Method(rawValue: words[0]), words[1] == "mlp",
            let sizes = MLP.layerSizes(words[2]), !sizes.isEmpty, sizes.allSatisfy({ (1...4096).contains($0) }),
            let activation = Activation(rawValue: words[3])
        else {
            throw PolicyFileError("learned reward \"\(model.architecture)\" is not \"gail|airl mlp A-B-… tanh|relu [state-only]\"")
        }
        var settings = AdversarialSettings()
        (settings.hiddenSizes, settings.activation) = (sizes, activation)
        settings.stateOnlyReward = words.contains("state-only")
        func vector(_ name: String) throws -> [Float] {
            guard let tensor = model.parameters.first(where: { $0.name == name }), tensor.tensor.data.count == spec.observationDim else {
                throw PolicyFileError("learned reward: \(name) missing or not \(spec.observationDim) values")
            }
            return tensor.tensor.data
        }
        let shift = try vector("reward.input_shift"), scale = try vector("reward.input_scale")
        guard scale.allSatisfy({ $0.isFinite && $0 > 0 }), shift.allSatisfy(\.isFinite) else {
            throw PolicyFileError("learned reward: reward.input_scale must be positive, reward.input_shift finite")
        }
        var random = RandomSource(seed: 0)
        discriminator = AdversarialDiscriminator(
            observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension, discreteActions: spec.actionSpace.discreteCount,
            gamma: gamma, method: method, settings: settings, normalisation: (shift, scale), random: &random)
        self.method = method
        do {
            try discriminator.loadNetworks(from: model)
        } catch {
            throw PolicyFileError("learned reward does not fit \(spec.id): \(error)")
        }
    }

    /// Rewards for a segment's steps; a terminated step adds γ/(1 − γ) × the absorbing
    /// state's reward.
    public func rewards(for segment: TrajectorySegment) -> [Float] {
        var transitions = TransitionSet(observationDim: discriminator.observationDim, actionDim: discriminator.actionDim)
        transitions.append(segment, absorbing: false)
        var rewards = reward(transitions)[...]
        let absorbing = reward(.absorbingOnly(observationDim: discriminator.observationDim, actionDim: discriminator.actionDim))[0]
        TransitionSet.addAbsorbingValue(to: &rewards, terminated: segment.terminated, absorbingReward: absorbing, gamma: discriminator.gamma)
        return Array(rewards)
    }

    private func reward(_ transitions: TransitionSet) -> [Float] {
        switch method {
        case .gail:
            return discriminator.rewards(transitions, logPolicy: [Float](repeating: 0, count: transitions.count))
        case .airl:
            discriminator.g.forward(discriminator.rewardInputs(transitions), batch: transitions.count)
            return discriminator.g.output
        }
    }
}
