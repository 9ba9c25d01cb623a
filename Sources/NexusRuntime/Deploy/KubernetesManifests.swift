import Foundation
import Yams

/// `nexus cluster render --target k8s`: the manifests of one run. The learner and each expert
/// are a StatefulSet with a Service (stable names; the learner's run directory on a volume, so
/// a rescheduled learner resumes from its checkpoint); the workers a Deployment with
/// `workers` replicas; the configuration a ConfigMap; the keys two Secrets (servers get all,
/// workers only theirs). Liveness probes ask each server's status (`nexus status`).
public struct KubernetesManifests {
    public var image: String
    public var namespace: String
    /// Key files by name (`nexus keys generate` output); required when the run uses CURVE.
    public var keys: [String: String]
    public var name = "nexus"

    public init(image: String, namespace: String, keys: [String: String]) {
        self.image = image
        self.namespace = namespace
        self.keys = keys
    }

    private func host(_ service: String) -> String { "\(service).\(namespace).svc.cluster.local" }
    private var learnerService: String { "\(name)-learner" }
    private func expertService(_ index: Int) -> String { "\(name)-expert-\(index)" }

    /// Every object, as one YAML stream (`kubectl apply -f`).
    public func render(_ run: DeployedRun) throws -> String {
        if run.usesCurve {
            let missing = [KeyFiles.serverPair, KeyFiles.serverPublic, KeyFiles.clientPair, KeyFiles.allowedClients].filter { keys[$0] == nil }
            guard missing.isEmpty else {
                throw RuntimeError("the run uses CurveZMQ (security.mode \(run.config.security.mode.rawValue)): --keys DIR must hold \(missing.joined(separator: ", ")) (nexus keys generate DIR)")
            }
        }
        let experts = run.usesExpert ? Array(run.imperfections.indices) : []
        let config = run.configuration(learnerHost: host(learnerService), expertHosts: experts.map { host(expertService($0)) })
        var objects: [[String: Any]] = [configMap(try ConfigLoader.yaml(config))]
        if run.usesCurve {
            objects.append(secret("\(name)-server-keys", keys))
            objects.append(secret("\(name)-worker-keys", keys.filter { [KeyFiles.clientPair, KeyFiles.serverPublic].contains($0.key) }))
        }
        // Prometheus's /metrics (metrics.port): a named port and the usual scrape annotations.
        let metricsPort = { (port: Int) in port != 0 ? [("metrics", port)] : [] }
        let learnerPorts = [("control", DeployedRun.controlPort), ("trajectories", DeployedRun.trajectoriesPort), ("weights", DeployedRun.weightsPort)]
            + metricsPort(config.metrics.port)
        objects.append(service(learnerService, role: "learner", ports: learnerPorts))
        objects.append(learner(run, ports: learnerPorts))
        for index in experts {
            let ports = [("expert", DeployedRun.expertPort + index)] + metricsPort(config.metrics.expertPort(index))
            objects.append(service(expertService(index), role: "expert-\(index)", ports: ports))
            objects.append(expert(run, index: index, ports: ports))
        }
        if run.usesWorkers { objects.append(workers(run)) }
        return try objects.map { try Yams.dump(object: $0, sortKeys: true) }.joined(separator: "---\n")
    }

    private func metadata(_ name: String, role: String) -> [String: Any] {
        ["name": name, "namespace": namespace, "labels": ["app.kubernetes.io/name": self.name, "app.kubernetes.io/component": role]]
    }

    private func selector(_ role: String) -> [String: Any] { ["app.kubernetes.io/name": name, "app.kubernetes.io/component": role] }

    private func configMap(_ yaml: String) -> [String: Any] {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata("\(name)-config", role: "config"), "data": ["config.yaml": yaml]]
    }

    private func secret(_ secretName: String, _ files: [String: String]) -> [String: Any] {
        ["apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": metadata(secretName, role: "keys"), "stringData": files]
    }

    private func service(_ serviceName: String, role: String, ports: [(String, Int)]) -> [String: Any] {
        [
            "apiVersion": "v1", "kind": "Service", "metadata": metadata(serviceName, role: role),
            "spec": ["selector": selector(role), "ports": ports.map { ["name": $0.0, "port": $0.1, "targetPort": $0.1, "protocol": "TCP"] }],
        ]
    }

    private func volumes(keys secretName: String?) -> (volumes: [[String: Any]], mounts: [[String: Any]]) {
        var volumes: [[String: Any]] = [["name": "config", "configMap": ["name": "\(name)-config"]]]
        var mounts: [[String: Any]] = [["name": "config", "mountPath": "/etc/nexus/config", "readOnly": true]]
        if let secretName {
            volumes.append(["name": "keys", "secret": ["secretName": secretName, "defaultMode": 0o400]])
            mounts.append(["name": "keys", "mountPath": DeployedRun.mountedKeys, "readOnly": true])
        }
        return (volumes, mounts)
    }

    private func container(
        _ role: String, command: [String], ports: [(String, Int)], cpu: String, memory: String, probe: [String]?, mounts: [[String: Any]]
    ) -> [String: Any] {
        var container: [String: Any] = [
            "name": role, "image": image, "command": command, "volumeMounts": mounts,
            "resources": ["requests": ["cpu": cpu, "memory": memory]],
        ]
        if !ports.isEmpty { container["ports"] = ports.map { ["name": $0.0, "containerPort": $0.1, "protocol": "TCP"] } }
        if let probe {
            container["livenessProbe"] = ["exec": ["command": probe], "initialDelaySeconds": 20, "periodSeconds": 15, "timeoutSeconds": 10, "failureThreshold": 3]
        }
        return container
    }

    private static let configFile = "/etc/nexus/config/config.yaml"
    private static let runDirectory = "/var/lib/nexus/run"

    private func learner(_ run: DeployedRun, ports: [(String, Int)]) -> [String: Any] {
        let (volumes, mounts) = volumes(keys: run.usesCurve ? "\(name)-server-keys" : nil)
        // A rescheduled learner resumes from the newest numbered checkpoint on its volume; one
        // that died before its first starts afresh over what it wrote (as `nexus train` does).
        let start = "if ls \(Self.runDirectory)/checkpoints/checkpoint-*.nxckpt >/dev/null 2>&1; then exec nexus learner --resume \(Self.runDirectory); "
            + "else exec nexus learner --config \(Self.configFile) --run-dir \(Self.runDirectory) --overwrite; fi"
        let main = container(
            "learner", command: ["sh", "-c", start], ports: ports, cpu: "1", memory: "1Gi",
            probe: run.statusProbe("tcp://127.0.0.1:\(DeployedRun.controlPort)"), mounts: mounts + [["name": "run", "mountPath": "/var/lib/nexus"]])
        return statefulSet(learnerService, role: "learner", containers: [main], volumes: volumes, claims: [
            ["metadata": ["name": "run"], "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]],
        ])
    }

    private func expert(_ run: DeployedRun, index: Int, ports: [(String, Int)]) -> [String: Any] {
        let (volumes, mounts) = volumes(keys: run.usesCurve ? "\(name)-server-keys" : nil)
        let main = container(
            "expert", command: ["nexus"] + run.expertArguments(index, config: Self.configFile), ports: ports,
            cpu: "500m", memory: "256Mi", probe: run.statusProbe("tcp://127.0.0.1:\(DeployedRun.expertPort + index)"), mounts: mounts)
        return statefulSet(expertService(index), role: "expert-\(index)", containers: [main], volumes: volumes, claims: [])
    }

    private func statefulSet(_ setName: String, role: String, containers: [[String: Any]], volumes: [[String: Any]], claims: [[String: Any]]) -> [String: Any] {
        var template: [String: Any] = ["labels": selector(role)]
        let metrics = containers.flatMap { ($0["ports"] as? [[String: Any]]) ?? [] }.first { $0["name"] as? String == "metrics" }
        if let port = metrics?["containerPort"] as? Int {
            template["annotations"] = ["prometheus.io/scrape": "true", "prometheus.io/port": "\(port)", "prometheus.io/path": "/metrics"]
        }
        var spec: [String: Any] = [
            "serviceName": setName, "replicas": 1, "selector": ["matchLabels": selector(role)],
            "template": ["metadata": template, "spec": ["containers": containers, "volumes": volumes]],
        ]
        if !claims.isEmpty { spec["volumeClaimTemplates"] = claims }
        return ["apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": metadata(setName, role: role), "spec": spec]
    }

    private func workers(_ run: DeployedRun) -> [String: Any] {
        let (volumes, mounts) = volumes(keys: run.usesCurve ? "\(name)-worker-keys" : nil)
        // Workers need no configuration file: the learner's welcome carries it.
        let main = container(
            "worker", command: ["nexus", "worker", "--learner", "tcp://\(host(learnerService)):\(DeployedRun.controlPort)", "--worker-id", "auto"] + run.clientSecurity,
            ports: [], cpu: "1", memory: "512Mi", probe: nil, mounts: mounts.filter { $0["name"] as? String == "keys" })
        return [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata("\(name)-workers", role: "worker"),
            "spec": [
                "replicas": run.config.workers, "selector": ["matchLabels": selector("worker")],
                "template": ["metadata": ["labels": selector("worker")], "spec": ["containers": [main], "volumes": volumes.filter { $0["name"] as? String == "keys" }]],
            ] as [String: Any],
        ]
    }
}
