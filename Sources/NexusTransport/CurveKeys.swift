import CZeroMQ
import Foundation

/// A CurveZMQ (Curve25519) key: 32 bytes, written as 40 characters of Z85.
public struct CurveKey: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Parses the 40-character Z85 form.
    public init(z85 text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count == 40 else { throw TransportError.invalidKey("a CurveZMQ key is 40 Z85 characters, got \(trimmed.utf8.count)") }
        var decoded = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&decoded, trimmed) != nil else { throw TransportError.invalidKey("\"\(trimmed)\" is not Z85") }
        bytes = decoded
    }

    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else { throw TransportError.invalidKey("a CurveZMQ key is 32 bytes, got \(bytes.count)") }
        self.bytes = bytes
    }

    /// The 40-character Z85 form.
    public var description: String {
        var text = [CChar](repeating: 0, count: 41)
        _ = zmq_z85_encode(&text, bytes, 32)
        return String(decoding: text.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A public and secret key pair.
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: CurveKey
    public let secretKey: CurveKey

    public init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh pair from libzmq (libsodium's random generator).
    public static func generate() throws -> CurveKeyPair {
        guard ZMQContext.has("curve") else { throw TransportError.invalidKey("this libzmq was built without CURVE (libsodium)") }
        var publicText = [CChar](repeating: 0, count: 41), secretText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else { throw TransportError.invalidKey("zmq_curve_keypair failed") }
        func text(_ buffer: [CChar]) -> String { String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return CurveKeyPair(publicKey: try CurveKey(z85: text(publicText)), secretKey: try CurveKey(z85: text(secretText)))
    }

    /// The file form: two lines, `public KEY` and `secret KEY` (comments with `#`).
    public var fileText: String { "# CurveZMQ key pair (Nexus). Keep this file secret.\npublic \(publicKey)\nsecret \(secretKey)\n" }

    public init(fileText: String, path: String) throws {
        var found: [String: CurveKey] = [:]
        for line in fileText.split(separator: "\n") where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, ["public", "secret"].contains(parts[0]) else {
                throw TransportError.invalidKey("\(path): a line is neither \"public KEY\" nor \"secret KEY\"")
            }
            found[parts[0]] = try CurveKey(z85: parts[1])
        }
        guard let publicKey = found["public"], let secretKey = found["secret"] else { throw TransportError.invalidKey("\(path): needs a public and a secret key") }
        self.init(publicKey: publicKey, secretKey: secretKey)
    }
}

/// How a socket authenticates: not at all, or CurveZMQ as the server (the side that binds;
/// clients' keys are checked by the process's `ZAPHandler`) or as a client.
public enum SocketSecurity: Sendable, Equatable {
    case none
    case curveServer(CurveKeyPair)
    case curveClient(CurveKeyPair, serverKey: CurveKey)

    public var isCurve: Bool { self != .none }
}
