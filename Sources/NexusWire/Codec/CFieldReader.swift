import CNexusProto
import CProtobufC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads C fields of an unpacked message into Swift values, checking counts against the
/// limits before copying. Every reader names its field for the error.
struct CFieldReader {
    let limits: WireLimits

    func string(_ pointer: UnsafePointer<CChar>?, field: @autoclosure () -> String) throws -> String {
        guard let pointer else { return "" }
        let length = strnlen(pointer, limits.maxStringBytes + 1)
        guard length <= limits.maxStringBytes else {
            throw WireError.limitExceeded(field: field(), value: length, limit: limits.maxStringBytes)
        }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        guard let value = String(validating: bytes, as: UTF8.self) else {
            throw WireError.invalidField(field(), reason: "not valid UTF-8")
        }
        return value
    }

    func array<T>(_ pointer: UnsafePointer<T>?, count: Int, field: @autoclosure () -> String) throws -> [T] {
        guard count <= limits.maxTensorElements else {
            throw WireError.limitExceeded(field: field(), value: count, limit: limits.maxTensorElements)
        }
        guard count > 0, let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    func bools(_ pointer: UnsafePointer<protobuf_c_boolean>?, count: Int, field: @autoclosure () -> String) throws -> [Bool] {
        try array(pointer, count: count, field: field()).map { $0 != 0 }
    }

    func messages<C, T>(
        _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?, count: Int, field: String,
        _ convert: (UnsafePointer<C>, String) throws -> T
    ) throws -> [T] {
        guard count <= limits.maxRepeatedMessages else {
            throw WireError.limitExceeded(field: field, value: count, limit: limits.maxRepeatedMessages)
        }
        guard count > 0, let pointer else { return [] }
        var result: [T] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            guard let element = pointer[index] else { throw WireError.missingField(field + "[\(index)]") }
            result.append(try convert(element, field + "[\(index)]"))
        }
        return result
    }

    func required<C>(_ pointer: UnsafeMutablePointer<C>?, field: @autoclosure () -> String) throws -> UnsafePointer<C> {
        guard let pointer else { throw WireError.missingField(field()) }
        return UnsafePointer(pointer)
    }

    /// Maps a C enum's raw value onto a Swift enum; unknown numbers are refused. The raw value
    /// is read as the 32 bits protobuf-c stored (C enums import as UInt32 here): converting it
    /// with a range check trapped on a wire value of 2^32 − 2 (found by the fuzzer).
    func enumeration<E: RawRepresentable>(_ stored: some FixedWidthInteger, as type: E.Type, field: @autoclosure () -> String) throws -> E where E.RawValue == Int32 {
        let raw = Int32(truncatingIfNeeded: stored)
        guard let value = E(rawValue: raw) else {
            throw WireError.invalidField(field(), reason: "unknown enum value \(raw)")
        }
        return value
    }
}

/// Arrays of Swift values as C arrays in an arena.
extension EncodeArena {
    func bools(_ values: [Bool]) -> UnsafeMutablePointer<protobuf_c_boolean>? {
        copy(values, as: protobuf_c_boolean.self) { $0 ? 1 : 0 }
    }

    func messages<T, C>(_ values: [T], _ build: (T) -> UnsafeMutablePointer<C>) -> UnsafeMutablePointer<UnsafeMutablePointer<C>?>? {
        copy(values, as: UnsafeMutablePointer<C>?.self) { build($0) }
    }
}
