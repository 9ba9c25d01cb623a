/// Everything that can be wrong with bytes handed to the wire layer. Each case names the
/// field (as a dotted path such as `trajectory.observations.shape`) and the offending value,
/// so a log line says exactly what a peer sent.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case messageTooLarge(bytes: Int, limit: Int)
    case unparsable(bytes: Int)
    case allocationBudgetExceeded(bytes: Int, budget: Int)
    case protocolVersionMismatch(received: UInt32, supported: UInt32)
    case missingField(String)
    case invalidField(String, reason: String)
    case nonFinite(field: String, index: Int)
    case shapeMismatch(field: String, shape: [UInt64], dataCount: Int)
    case dimensionMismatch(field: String, expected: Int, received: Int)
    case limitExceeded(field: String, value: Int, limit: Int)
    case unexpectedMessage(expected: String, received: String)
    case checksumMismatch(expected: UInt64, computed: UInt64)

    public var description: String {
        switch self {
        case .messageTooLarge(let bytes, let limit):
            return "message of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .unparsable(let bytes):
            return "\(bytes) bytes are not a valid protobuf encoding of the expected message"
        case .allocationBudgetExceeded(let bytes, let budget):
            return "decoding \(bytes) bytes would allocate more than the budget of \(budget) bytes"
        case .protocolVersionMismatch(let received, let supported):
            return "peer speaks Nexus wire protocol \(received), this build speaks \(supported)"
        case .missingField(let field):
            return "required field \(field) is missing"
        case .invalidField(let field, let reason):
            return "field \(field) is invalid: \(reason)"
        case .nonFinite(let field, let index):
            return "field \(field) holds a non-finite value at index \(index)"
        case .shapeMismatch(let field, let shape, let count):
            return "field \(field) has shape \(shape) but \(count) values"
        case .dimensionMismatch(let field, let expected, let received):
            return "field \(field) has dimension \(received), expected \(expected)"
        case .limitExceeded(let field, let value, let limit):
            return "field \(field) has \(value) entries, over the limit of \(limit)"
        case .unexpectedMessage(let expected, let received):
            return "expected a \(expected) message, received \(received)"
        case .checksumMismatch(let expected, let computed):
            return "weights checksum \(hex(expected)) does not match the computed \(hex(computed))"
        }
    }
}

private func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
