import Foundation
import NexusNN
import NexusWire

/// The discriminator of GAIL and AIRL, trained to tell expert transitions (label 1) from the
/// policy's (label 0) with the logistic loss written in logits, softplus(l) − y·l, which is
/// stable for any l. D = σ(l).
///
/// - GAIL (Ho & Ermon, 2016): l = D_θ(s, a), one network; reward r = −log(1 − D) = softplus(l).
/// - AIRL (Fu et al., 2018): D = exp f / (exp f + π(a|s)) with f(s, a, s′) = g(s) + γ h(s′) − h(s),
///   so l = f − log π(a|s); reward r = log D − log(1 − D) = l. g (state-only by default, the
///   form that transfers to changed dynamics) is the reward, h a shaping potential.
///
/// Inputs are states with an absorbing flag (`TransitionSet`), normalised with statistics
/// fixed from the expert data, and actions one-hot for discrete spaces.
public final class AdversarialDiscriminator {
    public let method: AdversarialSettings.Method
    public let settings: AdversarialSettings
    public let observationDim: Int
    public let discreteActions: Int?
    public let actionDim: Int
    public let gamma: Float
    /// GAIL: the discriminator's logit network; AIRL: the reward term g.
    public let g: MLP
    /// AIRL: the shaping potential h (nil for GAIL).
    public let h: MLP?
    let optimiserG: Adam
    let optimiserH: Adam?
    public private(set) var shift: [Float]
    public private(set) var scale: [Float]

    public init(
        observationDim: Int, actionDim: Int, discreteActions: Int?, gamma: Float, method: AdversarialSettings.Method, settings: AdversarialSettings,
        normalisation: (shift: [Float], scale: [Float]), random: inout RandomSource
    ) {
        self.method = method
        self.settings = settings
        self.observationDim = observationDim
        self.discreteActions = discreteActions
        self.actionDim = actionDim
        self.gamma = gamma
        (shift, scale) = normalisation
        let encodedActions = discreteActions ?? actionDim
        let stateWidth = observationDim + 1
        let gInputs = method == .airl && settings.stateOnlyReward ? stateWidth : stateWidth + encodedActions
        g = MLP(
            sizes: [gInputs] + settings.hiddenSizes + [1], activation: settings.activation, name: method == .gail ? "discriminator" : "reward",
            spectralNormalisation: settings.spectralNorm, random: &random)
        optimiserG = Adam(parameterCount: g.parameters.count, learningRate: settings.learningRate)
        if method == .airl {
            let potential = MLP(
                sizes: [stateWidth] + settings.hiddenSizes + [1], activation: settings.activation, name: "shaping",
                spectralNormalisation: settings.spectralNorm, random: &random)
            h = potential
            optimiserH = Adam(parameterCount: potential.parameters.count, learningRate: settings.learningRate)
        } else {
            (h, optimiserH) = (nil, nil)
        }
    }

    /// Flagged states normalised; the absorbing state stays all zeros but for its flag.
    func normalisedStates(_ states: [Float]) -> [Float] {
        let width = observationDim + 1
        var result = states
        for row in 0..<(states.count / width) where states[row * width + observationDim] == 0 {
            for column in 0..<observationDim {
                result[row * width + column] = (states[row * width + column] - shift[column]) * scale[column]
            }
        }
        return result
    }

    /// g's input rows: normalised state, then the encoded action unless g is state-only.
    func rewardInputs(_ batch: TransitionSet) -> [Float] {
        let states = normalisedStates(batch.states)
        guard !(method == .airl && settings.stateOnlyReward) else { return states }
        let width = observationDim + 1, encoded = discreteActions ?? actionDim
        var inputs: [Float] = []
        inputs.reserveCapacity(batch.count * (width + encoded))
        for row in 0..<batch.count {
            inputs += states[(row * width)..<((row + 1) * width)]
            if let discreteActions {
                var oneHot = [Float](repeating: 0, count: discreteActions)
                if !batch.isAbsorbing[row] { oneHot[min(discreteActions - 1, max(0, Int(batch.actions[row])))] = 1 }
                inputs += oneHot
            } else {
                inputs += batch.actions[(row * actionDim)..<((row + 1) * actionDim)]
            }
        }
        return inputs
    }

    /// l per row (see the type's comment). `logPolicy` is log π(a|s) per row (AIRL; 0 for
    /// absorbing rows; ignored by GAIL).
    public func logits(_ batch: TransitionSet, logPolicy: [Float]) -> [Float] {
        let rows = batch.count
        g.forward(rewardInputs(batch), batch: rows)
        var logits = g.output
        guard let h else { return logits }
        h.forward(normalisedStates(batch.nextStates), batch: rows)
        let next = h.output
        h.forward(normalisedStates(batch.states), batch: rows)
        let now = h.output
        for row in 0..<rows { logits[row] += gamma * next[row] - now[row] - logPolicy[row] }
        return logits
    }

    /// Learned rewards: GAIL softplus(l) = −log(1 − D); AIRL l = log D − log(1 − D).
    public func rewards(_ batch: TransitionSet, logPolicy: [Float]) -> [Float] {
        let logits = logits(batch, logPolicy: logPolicy)
        return method == .gail ? logits.map(Self.softplus) : logits
    }

    public struct Step: Sendable, Equatable {
        public var loss: Float
        public var expertAccuracy: Float
        public var policyAccuracy: Float
        public var penalty: Float
    }

    /// The logistic loss of `batch` with per-row targets, mean over rows, and its gradient in
    /// every parameter of g (and h) added to their stores.
    @discardableResult
    func accumulateLossGradient(_ batch: TransitionSet, logPolicy: [Float], targets: [Float]) -> (loss: Float, logits: [Float]) {
        let rows = batch.count
        let logits = self.logits(batch, logPolicy: logPolicy)
        var loss: Float = 0
        var delta = [Float](repeating: 0, count: rows)
        for row in 0..<rows {
            loss += (Self.softplus(logits[row]) - targets[row] * logits[row]) / Float(rows)
            delta[row] = (Self.sigmoid(logits[row]) - targets[row]) / Float(rows)
        }
        // g's activations are from `logits`; h's last forward pass was on the states.
        g.backward(delta)
        if let h {
            h.backward(delta.map { -$0 })
            h.forward(normalisedStates(batch.nextStates), batch: rows)
            h.backward(delta.map { gamma * $0 })
        }
        return (loss, logits)
    }

    /// One Adam step on `expert` (label 1 − ε) against `policy` (label ε), with the gradient
    /// penalty if one is configured.
    @discardableResult
    public func trainStep(
        expert: TransitionSet, expertLogPolicy: [Float], policy: TransitionSet, policyLogPolicy: [Float], random: inout RandomSource
    ) -> Step {
        var batch = expert
        batch.append(contentsOf: policy)
        let smoothing = settings.labelSmoothing
        let targets = [Float](repeating: 1 - smoothing, count: expert.count) + [Float](repeating: smoothing, count: policy.count)
        g.parameters.zeroGradients()
        h?.parameters.zeroGradients()
        let (loss, logits) = accumulateLossGradient(batch, logPolicy: expertLogPolicy + policyLogPolicy, targets: targets)
        var penalty: Float = 0
        if let kind = settings.gradientPenalty.gradientPenalty {
            let expertInputs = rewardInputs(expert)
            var inputs = expertInputs
            if kind == .oneCentred {
                // WGAN-GP: on points between expert and policy inputs.
                let policyInputs = rewardInputs(policy)
                let width = expertInputs.count / max(1, expert.count)
                for row in 0..<min(expert.count, policy.count) {
                    let mix = random.nextUnitFloat()
                    for column in 0..<width {
                        let index = row * width + column
                        inputs[index] = mix * expertInputs[index] + (1 - mix) * policyInputs[index]
                    }
                }
            }
            penalty = g.addGradientPenalty(kind, weight: settings.gradientPenaltyWeight, input: inputs, batch: expert.count)
        }
        var stores = [g.parameters]
        if let h { stores.append(h.parameters) }
        GradientClipping.clipGlobalNorm(stores, maxNorm: settings.maxGradNorm)
        optimiserG.update(g.parameters)
        if let h, let optimiserH { optimiserH.update(h.parameters) }
        let expertRight = logits[0..<expert.count].filter { $0 > 0 }.count
        let policyRight = logits[expert.count...].filter { $0 < 0 }.count
        return Step(
            loss: loss + penalty, expertAccuracy: Float(expertRight) / Float(max(1, expert.count)),
            policyAccuracy: Float(policyRight) / Float(max(1, policy.count)), penalty: penalty)
    }

    static func softplus(_ x: Float) -> Float { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }
    static func sigmoid(_ x: Float) -> Float { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

    /// Installs g (and h) from a `learned_reward` model (a checkpoint's).
    public func loadNetworks(from model: Model) throws {
        for network in [g] + (h.map { [$0] } ?? []) {
            let names = Set(network.parameters.entries.map(\.name))
            try network.parameters.load(model.parameters.filter { names.contains($0.name) }.map { ($0.name, $0.tensor.shape, $0.tensor.data) })
        }
    }
}
