import Foundation

/// The one seedable random generator of Nexus (xoshiro256**, seeded through SplitMix64).
/// Nothing in Nexus draws from global randomness: a run with a seed is reproducible.
public struct RandomSource: RandomNumberGenerator, Sendable, Equatable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The four state words, for checkpoints; `init(state:)` restores them.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    public init?(state words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }

    public static func == (lhs: RandomSource, rhs: RandomSource) -> Bool { lhs.stateWords == rhs.stateWords }

    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [low, high), as NumPy's `uniform`: low + (high − low) · u.
    public mutating func nextDouble(low: Double, high: Double) -> Double { low + (high - low) * nextUnitDouble() }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    public mutating func nextFloat(in range: ClosedRange<Float> = -1...1) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnitFloat()
    }

    /// Standard normal (Box–Muller, one value per call).
    public mutating func nextGaussian() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, .leastNonzeroMagnitude)
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }

    /// An independent generator derived from this one (for a worker, a layer, an env copy).
    public mutating func split() -> RandomSource { RandomSource(seed: next()) }
}
