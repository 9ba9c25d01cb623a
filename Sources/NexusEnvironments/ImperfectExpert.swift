import NexusRandom

/// How an expert is made imperfect, for tests of learning from several flawed teachers
/// (MEGA-DAgger). Written `noise=0.5`, `bias=0.8`, `blind=DIM:LOW:HIGH`, joined by commas.
///
/// - noise: continuous actions get Gaussian noise of this standard deviation; discrete ones
///   are replaced by a uniformly drawn action with this probability.
/// - bias: added to every continuous action dimension (continuous spaces only).
/// - blind: where observation[DIM] lies in [LOW, HIGH] the expert answers a uniformly drawn
///   action (it does not see that region).
///
/// The draws depend only on the observation and the seed: asked twice about the same state,
/// the expert gives the same answer (a flaw, not a die roll per query).
public struct Imperfection: Sendable, Equatable, CustomStringConvertible {
    public struct BlindSpot: Sendable, Equatable {
        public var dimension: Int
        public var low: Float
        public var high: Float
    }

    public var noise: Float = 0
    public var bias: Float = 0
    public var blindSpot: BlindSpot?

    public init(noise: Float = 0, bias: Float = 0, blindSpot: BlindSpot? = nil) {
        (self.noise, self.bias, self.blindSpot) = (noise, bias, blindSpot)
    }

    public var isPerfect: Bool { noise == 0 && bias == 0 && blindSpot == nil }

    public var description: String {
        var parts: [String] = []
        if noise != 0 { parts.append("noise=\(noise)") }
        if bias != 0 { parts.append("bias=\(bias)") }
        if let spot = blindSpot { parts.append("blind=\(spot.dimension):\(spot.low):\(spot.high)") }
        return parts.isEmpty ? "perfect" : parts.joined(separator: ",")
    }

    /// Parses the written form and checks it against the environment.
    public static func parse(_ text: String, for spec: EnvironmentSpec) throws -> Imperfection {
        var result = Imperfection()
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed != "perfect" else { return result }
        for part in trimmed.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw EnvironmentError("expert imperfection \"\(part)\" is not NAME=VALUE (noise=0.5, bias=0.8, blind=DIM:LOW:HIGH)") }
            switch pair[0] {
            case "noise":
                guard let value = Float(pair[1]), value.isFinite, value >= 0 else { throw EnvironmentError("expert imperfection noise=\(pair[1]): must be a number ≥ 0") }
                if case .discrete = spec.actionSpace, value > 1 { throw EnvironmentError("expert imperfection noise=\(pair[1]): for discrete actions it is a probability, at most 1") }
                result.noise = value
            case "bias":
                guard let value = Float(pair[1]), value.isFinite else { throw EnvironmentError("expert imperfection bias=\(pair[1]): must be a finite number") }
                if case .discrete = spec.actionSpace { throw EnvironmentError("expert imperfection bias: \(spec.id) has discrete actions") }
                result.bias = value
            case "blind":
                let fields = pair[1].split(separator: ":")
                guard fields.count == 3, let dimension = Int(fields[0]), (0..<spec.observationDim).contains(dimension),
                    let low = Float(fields[1]), let high = Float(fields[2]), low.isFinite, high.isFinite, low <= high
                else {
                    throw EnvironmentError("expert imperfection blind=\(pair[1]): must be DIM:LOW:HIGH with DIM below \(spec.observationDim) and LOW ≤ HIGH")
                }
                result.blindSpot = BlindSpot(dimension: dimension, low: low, high: high)
            default:
                throw EnvironmentError("expert imperfection \"\(pair[0])\" is unknown (noise, bias, blind)")
            }
        }
        return result
    }
}

/// An expert with an `Imperfection`: the base expert's answer, then the flaw.
public struct ImperfectExpert: Expert {
    public let base: any Expert
    public let imperfection: Imperfection
    public let actionSpace: ActionSpace
    public let seed: UInt64

    public init(base: any Expert, imperfection: Imperfection, actionSpace: ActionSpace, seed: UInt64) {
        (self.base, self.imperfection, self.actionSpace, self.seed) = (base, imperfection, actionSpace, seed)
    }

    public var name: String { "\(base.name) (\(imperfection))" }

    public func act(_ observation: UnsafeBufferPointer<Float>, into action: UnsafeMutableBufferPointer<Float>) {
        base.act(observation, into: action)
        // Draws seeded by the observation's bits: the same state, the same flaw.
        var hash = seed ^ 0xCBF2_9CE4_8422_2325
        for value in observation { hash = (hash ^ UInt64(value.bitPattern)) &* 0x1000_0000_01B3 }
        var random = RandomSource(seed: hash)
        let blind = imperfection.blindSpot.map { spot in (spot.low...spot.high).contains(observation[spot.dimension]) } ?? false
        switch actionSpace {
        case .discrete(let count):
            if blind || (imperfection.noise > 0 && random.nextUnitFloat() < imperfection.noise) {
                action[0] = Float(Int(random.next() % UInt64(count)))
            }
        case .box(let low, let high):
            for index in action.indices {
                var value = blind ? random.nextFloat(in: low[index]...high[index]) : action[index] + imperfection.bias
                if imperfection.noise > 0, !blind { value += imperfection.noise * random.nextGaussian() }
                action[index] = min(max(value, low[index]), high[index])
            }
        }
    }
}
