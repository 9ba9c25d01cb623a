extension Endpoint {
    /// Whether a TCP endpoint binds every interface (`*`, `0.0.0.0`, `::`): peers cannot
    /// connect to that address, so it must be advertised under another one.
    public var bindsEveryInterface: Bool {
        guard case .tcp(let host, _) = address else { return false }
        return ["*", "0.0.0.0", "::"].contains(host)
    }

    /// The endpoint peers should connect to: a TCP endpoint's host replaced by `host` (the
    /// name or address other machines reach this one by); other transports unchanged.
    public func advertised(as host: String) -> Endpoint {
        guard case .tcp(_, let port) = address, !host.isEmpty else { return self }
        return Endpoint(.tcp(host: host, port: port))
    }
}

extension Endpoint {
    /// Whether traffic on this endpoint stays on this machine: ipc, inproc, or tcp on a
    /// loopback host. Everything else may cross a network.
    public var isLocal: Bool {
        guard case .tcp(let host, _) = address else { return true }
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
