import Foundation
import NexusWire

/// JSON for run-directory files: sorted keys, pretty, numbers that are not finite as null.
public enum JSONFile {
    public static func encode(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: sanitise(object), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public static func read(_ path: String) throws -> [String: Any] {
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(path) } catch let error as FileBytesError { throw RuntimeError(error.description) }
        let data = Data(bytes)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RuntimeError("\(path) does not hold a JSON object")
        }
        return object
    }

    private static func sanitise(_ value: Any) -> Any {
        switch value {
        case let number as Double: return number.isFinite ? number : NSNull()
        case let dictionary as [String: Any]: return dictionary.mapValues(sanitise)
        case let array as [Any]: return array.map(sanitise)
        default: return value
        }
    }
}
