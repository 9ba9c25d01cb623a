import Foundation
import NexusTransport

/// The key files of a security directory, as `nexus keys generate` writes them.
public enum KeyFiles {
    public static let serverPair = "server.key"
    public static let serverPublic = "server.pub"
    public static let clientPair = "client.key"
    public static let clientPublic = "client.pub"
    public static let allowedClients = "allowed_clients"

    /// Writes a server pair, a client pair and an allowlist holding the client's key (secret
    /// files readable by the owner only); refuses to overwrite existing keys.
    public static func generate(in directory: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in [serverPair, clientPair] where manager.fileExists(atPath: directory + "/" + name) {
            throw RuntimeError("\(directory)/\(name) exists; keys are not overwritten (remove them first)")
        }
        let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
        func write(_ text: String, _ name: String, secret: Bool) throws {
            let path = directory + "/" + name
            guard manager.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: secret ? 0o600 : 0o644]) else {
                throw RuntimeError("cannot write \(path)")
            }
        }
        try write(server.fileText, serverPair, secret: true)
        try write(client.fileText, clientPair, secret: true)
        try write("\(server.publicKey)\n", serverPublic, secret: false)
        try write("\(client.publicKey)\n", clientPublic, secret: false)
        try write("# Client public keys allowed to connect, one per line.\n\(client.publicKey)\n", allowedClients, secret: false)
    }
}

/// How a role's sockets authenticate, from the `security` section: which endpoints use CURVE
/// and with which keys. Servers start the process's ZAP handler with the allowlist before
/// their first CURVE socket binds.
public struct RoleSecurity: Sendable {
    public let mode: RunConfig.SecuritySettings.Mode
    public let keys: String

    public init(_ settings: RunConfig.SecuritySettings) {
        mode = settings.mode
        keys = settings.keys
    }

    /// Whether traffic on `endpoint` is encrypted and authenticated.
    public func usesCurve(_ endpoint: Endpoint) -> Bool {
        switch mode {
        case .curve: return true
        case .none: return false
        case .auto: return !endpoint.isLocal
        }
    }

    /// Options for a socket that binds `endpoint`.
    public func server(_ endpoint: Endpoint, _ base: SocketOptions = .default) throws -> SocketOptions {
        guard usesCurve(endpoint) else { return base }
        try ZAPHandler.start()
        ZAPHandler.allow(try allowlist())
        var options = base
        options.security = .curveServer(try pair(KeyFiles.serverPair))
        return options
    }

    /// Options for a socket that connects to `endpoint`.
    public func client(_ endpoint: Endpoint, _ base: SocketOptions = .default) throws -> SocketOptions {
        guard usesCurve(endpoint) else { return base }
        var options = base
        options.security = .curveClient(try pair(KeyFiles.clientPair), serverKey: try key(KeyFiles.serverPublic))
        return options
    }

    /// This process's public key and key directory, when CURVE guards `endpoint` as a client.
    public func clientIdentity(for endpoint: Endpoint) throws -> (publicKey: String, keys: String)? {
        guard usesCurve(endpoint) else { return nil }
        return ("\(try pair(KeyFiles.clientPair).publicKey)", keys)
    }

    /// One line for a role's log: that CURVE guards what it binds or connects to, and with
    /// which keys (so a user sees it is on, and where to look when a peer is refused).
    public func describe(_ endpoints: [Endpoint], binding: Bool) throws -> String? {
        let guarded = endpoints.filter(usesCurve)
        guard !guarded.isEmpty else { return nil }
        let on = "CurveZMQ on for \(guarded.map(\.description).joined(separator: ", "))"
        if binding {
            return on + ": server key \(keys)/\(KeyFiles.serverPair) (public \(try pair(KeyFiles.serverPair).publicKey)), "
                + "\(try allowlist().count) client key(s) allowed by \(keys)/\(KeyFiles.allowedClients); a refused client is counted as auth_failures"
        }
        return on + ": client key \(keys)/\(KeyFiles.clientPair) (public \(try pair(KeyFiles.clientPair).publicKey)); the server's key from \(keys)/\(KeyFiles.serverPublic)"
    }

    private func read(_ name: String) throws -> String {
        guard !keys.isEmpty else {
            throw RuntimeError("CurveZMQ needs keys: set security.keys to a directory from `nexus keys generate` (or security.mode: none on a trusted network)")
        }
        let path = keys + "/" + name
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw RuntimeError("security.keys: cannot read \(path)") }
        return text
    }

    private func pair(_ name: String) throws -> CurveKeyPair {
        do { return try CurveKeyPair(fileText: try read(name), path: keys + "/" + name) } catch let error as TransportError { throw RuntimeError("security.keys: \(error)") }
    }

    private func key(_ name: String) throws -> CurveKey {
        do { return try CurveKey(z85: try read(name)) } catch let error as TransportError { throw RuntimeError("security.keys: \(keys)/\(name): \(error)") }
    }

    private func allowlist() throws -> [CurveKey] {
        let lines = try read(KeyFiles.allowedClients).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        do { return try lines.map { try CurveKey(z85: $0) } } catch let error as TransportError {
            throw RuntimeError("security.keys: \(keys)/\(KeyFiles.allowedClients): \(error)")
        }
    }
}
