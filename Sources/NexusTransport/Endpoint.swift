/// A ZeroMQ endpoint: `tcp://host:port` (port `*` picks a free one when binding),
/// `ipc:///path` or `inproc://name`. Parsing checks the form so that a typo in a config
/// fails with a message instead of a libzmq errno.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Address: Sendable, Hashable {
        case tcp(host: String, port: Int?)
        case ipc(path: String)
        case inproc(name: String)
    }

    public let address: Address

    public init(_ address: Address) { self.address = address }

    public init(parsing text: String) throws {
        func invalid(_ reason: String) -> TransportError { .invalidEndpoint(text, reason: reason) }
        guard let separator = text.range(of: "://") else {
            throw invalid("expected tcp://host:port, ipc://path or inproc://name")
        }
        let scheme = text[..<separator.lowerBound]
        let rest = String(text[separator.upperBound...])
        switch scheme {
        case "tcp":
            guard let colon = rest.lastIndex(of: ":") else { throw invalid("missing :port") }
            var host = String(rest[..<colon])
            let portText = rest[rest.index(after: colon)...]
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw invalid("missing host (use * or 0.0.0.0 to bind on every interface)") }
            if portText == "*" {
                address = .tcp(host: host, port: nil)
            } else if let port = Int(portText), (1...65535).contains(port) {
                address = .tcp(host: host, port: port)
            } else {
                throw invalid("port \"\(portText)\" is not a number from 1 to 65535 or *")
            }
        case "ipc":
            guard !rest.isEmpty else { throw invalid("missing path") }
            // sun_path holds 107 bytes plus the terminator.
            guard rest.utf8.count <= 107 else { throw invalid("path longer than 107 bytes") }
            address = .ipc(path: rest)
        case "inproc":
            guard !rest.isEmpty else { throw invalid("missing name") }
            address = .inproc(name: rest)
        default:
            throw invalid("unknown transport \"\(scheme)\" (tcp, ipc or inproc)")
        }
    }

    /// `tcp://127.0.0.1:*`: a free loopback port, read back after binding.
    public static let loopbackAnyPort = Endpoint(.tcp(host: "127.0.0.1", port: nil))

    public var description: String {
        switch address {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "tcp://\(shownHost):\(port.map(String.init) ?? "*")"
        case .ipc(let path): return "ipc://\(path)"
        case .inproc(let name): return "inproc://\(name)"
        }
    }

    /// The TCP port, when there is one.
    public var port: Int? {
        if case .tcp(_, let port) = address { return port }
        return nil
    }
}
