import ArgumentParser
import Foundation
import NexusRuntime

struct Cluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run on a cluster engine: render Kubernetes manifests or a Slurm batch script from a run's configuration (docs/OPERATIONS.md).",
        subcommands: [Render.self])

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the Kubernetes manifests (--target k8s) or the Slurm batch script (--target slurm) of a run.",
            discussion: """
                The same configuration as nexus train (--config, --set, shortcuts). Roles bind fixed ports \
                (learner 5555-5557, experts 5560+), CurveZMQ is on unless security.mode is none.
                """)

        @Option(help: "k8s or slurm.")
        var target: String

        @OptionGroup var configuration: ConfigOptions

        @Option(help: "Write here instead of standard output.")
        var out: String?

        @Option(help: "k8s: the container image holding nexus.")
        var image = "nexus:latest"

        @Option(help: "k8s: the namespace.")
        var namespace = "default"

        @Option(help: "The key directory (nexus keys generate DIR). k8s: its files go into Secrets; slurm: every node must read it there.")
        var keys: String?

        @Option(parsing: .unconditional, help: "slurm: nodes to allocate (default: 2, or 1 for a job of one process such as bc).")
        var nodes: Int?

        func run() throws {
            // Files the configuration names, made valid where the job runs (relative paths
            // mean this directory, not the one sbatch or a pod starts in).
            let config: RunConfig
            do {
                config = try DeployedFiles.resolve(
                    try configuration.load(), from: FileManager.default.currentDirectoryPath, for: target == "slurm" ? .slurm : .kubernetes)
            } catch let error as RuntimeError {
                FileHandle.standardError.write(Data("nexus cluster render: \(error.description)\n".utf8))
                throw ExitCode(64)
            }
            // Kubernetes mounts the keys at one path; under Slurm every node reads them where they are.
            let run = target == "slurm" ? DeployedRun(config, keysDirectory: keys.map { URL(fileURLWithPath: $0).path } ?? DeployedRun.mountedKeys) : DeployedRun(config)
            let text: String
            do {
                switch target {
                case "k8s":
                    text = try KubernetesManifests(image: image, namespace: namespace, keys: try keyFiles(run)).render(run)
                case "slurm":
                    if run.usesCurve && keys == nil { throw RuntimeError("the run uses CurveZMQ: --keys DIR must name the key directory every node reads (nexus keys generate DIR)") }
                    text = try SlurmBatchScript(nodes: nodes).render(run)
                default:
                    throw ValidationError("--target \(target) is not k8s or slurm")
                }
            } catch let error as RuntimeError {
                FileHandle.standardError.write(Data("nexus cluster render: \(error.description)\n".utf8))
                throw ExitCode(64)
            }
            if let out {
                do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch {
                    FileHandle.standardError.write(Data("nexus cluster render: cannot write \(out): \(error.localizedDescription)\n".utf8))
                    throw ExitCode(73)
                }
                if target == "slurm" { chmod(out, 0o755) }
            } else {
                print(text, terminator: "")
            }
        }

        /// The key files for Kubernetes Secrets, when the run uses CURVE.
        private func keyFiles(_ run: DeployedRun) throws -> [String: String] {
            guard run.usesCurve else { return [:] }
            guard let keys else { return [:] }
            var files: [String: String] = [:]
            for name in [KeyFiles.serverPair, KeyFiles.serverPublic, KeyFiles.clientPair, KeyFiles.clientPublic, KeyFiles.allowedClients] {
                if let text = try? String(contentsOfFile: keys + "/" + name, encoding: .utf8) { files[name] = text }
            }
            return files
        }
    }
}
