/// A fast 64-bit checksum over model names, parameter names, shapes and float bits.
/// It guards against damaged or mis-assembled weights, not against an attacker (CurveZMQ does
/// that). Words are mixed 8 bytes at a time so 100k parameters take tens of microseconds.
enum WeightsChecksum {
    static func compute(_ models: [Model]) -> UInt64 {
        var state = Mixer()
        for model in models {
            state.mix(UInt64(bitPattern: Int64(model.kind.rawValue)))
            state.mix(string: model.name)
            state.mix(string: model.architecture)
            for parameter in model.parameters {
                state.mix(string: parameter.name)
                state.mix(UInt64(parameter.tensor.shape.count))
                for dimension in parameter.tensor.shape { state.mix(UInt64(bitPattern: Int64(dimension))) }
                parameter.tensor.data.withUnsafeBytes { state.mix(bytes: $0) }
            }
        }
        return state.finish()
    }

    struct Mixer {
        private var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
        private var length: UInt64 = 0

        mutating func mix(_ word: UInt64) {
            hash = (hash ^ (word &* 0xFF51_AFD7_ED55_8CCD)).rotatedLeft(by: 31) &* 0xC4CE_B9FE_1A85_EC53
            length &+= 8
        }

        mutating func mix(string: String) {
            var copy = string
            copy.withUTF8 { mix(bytes: UnsafeRawBufferPointer($0)) }
        }

        mutating func mix(bytes: UnsafeRawBufferPointer) {
            let words = bytes.count / 8
            var index = 0
            while index < words {
                mix(bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                index += 1
            }
            var tail: UInt64 = UInt64(bytes.count)
            for offset in (words * 8)..<bytes.count { tail = (tail << 8) | UInt64(bytes[offset]) }
            mix(tail)
        }

        func finish() -> UInt64 {
            var value = hash ^ length
            value ^= value >> 33
            value &*= 0xFF51_AFD7_ED55_8CCD
            value ^= value >> 33
            return value
        }
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(by count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
