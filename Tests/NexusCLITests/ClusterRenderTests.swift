import Foundation
import NexusTestKit
import Testing

/// `nexus cluster render` and `nexus status`: the files a cluster engine runs, checked with the
/// engines' own rules where they can be run here.
@Suite("Cluster engines")
struct ClusterRenderTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-render-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("k8s manifests (CURVE keys as Secrets, MEGA-DAgger with two imperfect experts) pass the Kubernetes 1.37 schema, strictly", arguments: [
        ["--set", "workers=8"],
        ["--algo", "mega-dagger", "--env", "Pendulum-v1", "--set", "expert.imperfections=['noise=0.5', 'bias=0.8']"],
        ["--set", "security.mode=none", "--algo", "ppo"],
        ["--algo", "mega-dagger", "--env", "Pendulum-v1", "--set", "expert.imperfections=['noise=0.5', 'bias=0.8']", "--set", "metrics.port=9400"],
    ])
    func kubernetesSchema(arguments: [String]) async throws {
        let validator = Self.root.appendingPathComponent(".build-tools/venv/bin/kubernetes-validate").path
        try #require(FileManager.default.isExecutableFile(atPath: validator), "\(validator) is missing: run .ci/install-deps")
        let directory = try Self.temporaryDirectory()
        _ = try await NexusProcess.run(["keys", "generate", directory + "/keys"])
        let manifests = directory + "/nexus.yaml"
        let render = try await NexusProcess.run(
            ["cluster", "render", "--target", "k8s", "--keys", directory + "/keys", "--namespace", "ml", "--image", "registry.example/nexus:1", "--out", manifests] + arguments)
        #expect(render.status == 0, "\(render.stderr)")
        let (status, report) = spawnAndWait(validator, ["--strict", "--kubernetes-version", "1.37.0", manifests])
        #expect(status == 0, "\(report)")
        let text = try String(contentsOfFile: manifests, encoding: .utf8)
        let kinds = report.split(separator: "\n").filter { $0.contains("passed for resource") }.count
        #expect(kinds >= 4, "configuration, learner service and set, workers: \(report)")
        let secured = !arguments.contains("security.mode=none")
        #expect(text.contains("kind: Secret") == secured)
        #expect(text.contains("livenessProbe"))
        if arguments.contains("workers=8") { #expect(text.contains("replicas: 8")) }
        if arguments.contains("mega-dagger") { #expect(text.contains("nexus-expert-1")) }
        if arguments.contains("metrics.port=9400") {
            // The learner on 9400, expert i on 9401 + i, each scrapeable: a named port, the
            // annotations, and /metrics on every interface.
            for port in [9400, 9401, 9402] { #expect(text.contains("containerPort: \(port)") && text.contains("prometheus.io/port: '\(port)'"), "\(port)") }
            #expect(text.contains("prometheus.io/scrape: 'true'") && text.contains("bind: 0.0.0.0"))
            #expect(text.contains("metrics.port=9402"))
        } else {
            #expect(!text.contains("prometheus.io"))
        }
    }

    @Test("a Slurm batch script: valid bash, learner and experts on the first node, workers as one srun step with their task numbers as ids")
    func slurmScript() async throws {
        let directory = try Self.temporaryDirectory()
        _ = try await NexusProcess.run(["keys", "generate", directory + "/keys"])
        let script = directory + "/nexus.sbatch"
        let render = try await NexusProcess.run(
            ["cluster", "render", "--target", "slurm", "--keys", directory + "/keys", "--nodes", "3", "--set", "workers=6", "--out", script])
        #expect(render.status == 0, "\(render.stderr)")
        let (status, report) = spawnAndWait("/bin/bash", ["-n", script])
        #expect(status == 0, "\(report)")
        let text = try String(contentsOfFile: script, encoding: .utf8)
        #expect(text.contains("#SBATCH --nodes=3"))
        #expect(text.contains("#SBATCH --ntasks=8"), "6 workers, an expert, the learner")
        #expect(text.contains("srun --ntasks=6 --overlap --job-name=workers"))
        #expect(text.contains("--worker-id $((SLURM_PROCID + 1))"))
        #expect(text.contains("advertise: ${LEARNER_HOST}"), "the learner tells workers the first node's name")
        #expect(FileManager.default.isExecutableFile(atPath: script))
    }

    @Test("nexus status answers for a live expert (exit 0, its counters) and exits 1 when nothing answers")
    func status() async throws {
        let directory = try Self.temporaryDirectory()
        let endpoint = "ipc://\(directory)/expert"
        let expert = Process()
        expert.executableURL = NexusProcess.executable
        expert.arguments = ["expert", "--env", "CartPole-v1", "--bind", endpoint]
        expert.standardError = FileHandle.nullDevice
        try expert.run()
        defer { expert.terminate() }
        var answer = try await NexusProcess.run(["status", endpoint, "--json", "--timeout", "2"])
        var patience = Patience(seconds: 30)
        while answer.status != 0, patience.remains() { answer = try await NexusProcess.run(["status", endpoint, "--json", "--timeout", "2"]) }
        #expect(answer.status == 0, "\(answer.stderr)")
        #expect(answer.stdout.contains("\"role\" : \"expert\""), "\(answer.stdout)")
        let silent = try await NexusProcess.run(["status", "ipc://\(directory)/nobody", "--timeout", "0.5"])
        #expect(silent.status == 1)
        #expect(silent.stderr.contains("no answer from"))
    }
}
