/// A run laid out for a cluster engine: every role binds every interface on a fixed port, the
/// learner advertises the name workers reach it by, experts are found by name, keys live in
/// one directory. Kubernetes and Slurm renderings share it.
public struct DeployedRun: Sendable {
    public static let controlPort = 5557
    public static let trajectoriesPort = 5555
    public static let weightsPort = 5556
    /// Expert `i` listens on `expertPort + i` (all on one host under Slurm).
    public static let expertPort = 5560
    /// Where Kubernetes mounts the keys.
    public static let mountedKeys = "/etc/nexus/keys"

    public let config: RunConfig
    /// Where every host finds the keys (a mount, a shared file system).
    public let keysDirectory: String
    /// One per expert process.
    public var imperfections: [String] { config.expertImperfections }

    public init(_ config: RunConfig, keysDirectory: String = DeployedRun.mountedKeys) {
        self.config = config
        self.keysDirectory = keysDirectory
    }

    public var usesExpert: Bool { (try? config.algorithm.requirements.contains(.expert)) ?? true }
    public var usesWorkers: Bool { (try? config.algorithm.requirements.contains(.rolloutWorkers)) ?? true }
    /// CURVE on every tcp endpoint: the roles run on separate hosts.
    public var usesCurve: Bool { config.security.mode != .none }

    /// The configuration every role loads: binds on every interface, the learner advertised
    /// as `learnerHost`, expert `i` at `expertHosts[i]`.
    public func configuration(learnerHost: String, expertHosts: [String]) -> RunConfig {
        var config = self.config
        config.endpoints.control = "tcp://0.0.0.0:\(Self.controlPort)"
        config.endpoints.trajectories = "tcp://0.0.0.0:\(Self.trajectoriesPort)"
        config.endpoints.weights = "tcp://0.0.0.0:\(Self.weightsPort)"
        config.endpoints.advertise = learnerHost
        let experts = expertHosts.enumerated().map { "tcp://\($0.element):\(Self.expertPort + $0.offset)" }
        config.endpoints.expert = experts.first ?? config.endpoints.expert
        config.expert.endpoints = experts.count > 1 ? experts : []
        config.expert.imperfections = []
        // A scraper runs elsewhere (Prometheus in the cluster): /metrics on every interface.
        if config.metrics.port != 0 { config.metrics.bind = "0.0.0.0" }
        if usesCurve {
            config.security.mode = .curve
            config.security.keys = keysDirectory
        }
        return config
    }

    /// The arguments that start expert `index`.
    public func expertArguments(_ index: Int, config file: String) -> [String] {
        ["expert", "--config", file, "--bind", "tcp://0.0.0.0:\(Self.expertPort + index)", "--set", "expert.imperfection='\(imperfections[index])'"]
            + (config.metrics.port != 0 ? ["--set", "metrics.port=\(config.metrics.expertPort(index))"] : [])
    }

    /// `nexus status` against `endpoint` as a probe, with this run's security.
    public func statusProbe(_ endpoint: String) -> [String] { ["nexus", "status", endpoint, "--timeout", "5"] + clientSecurity }

    /// The security overrides of a client that has no run configuration yet (a worker before
    /// the learner's welcome, a status probe).
    public var clientSecurity: [String] {
        usesCurve ? ["--set", "security.mode=curve", "--set", "security.keys=\(keysDirectory)"] : ["--set", "security.mode=none"]
    }
}
