import ArgumentParser
import Foundation
import Logging
import NexusRuntime
import NexusTransport
import NexusWire

/// `nexus status ENDPOINT`: one status request to a learner's control endpoint or an
/// expert's endpoint. Exit status 0 with the answer, 1 without one: a liveness probe
/// (Kubernetes, Slurm scripts) and a look at a running job. `nexus status RUN_DIR`: the same
/// for a run directory's learner (its announced endpoint, its configuration's security), or,
/// when the run is over, how it ended (summary.json).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask a learner or expert for its status; exit 1 if it does not answer in time (a liveness probe).")

    @Argument(help: "The learner's control endpoint or an expert's endpoint, e.g. tcp://10.0.0.5:5555; or a run directory (runs/…).")
    var endpoint: String

    @Option(parsing: .unconditional, help: "Seconds to wait for the answer.")
    var timeout: Double = 5

    @Option(name: .customLong("set"), help: ArgumentHelp("How to reach it: security.mode and security.keys (client.key, server.pub), e.g. --set security.keys=/etc/nexus/keys.", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "Print the answer as one JSON object.")
    var json = false

    func run() async throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout \(timeout) must be in (0, 3600] seconds") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: endpoint, isDirectory: &isDirectory), isDirectory.boolValue { return try await runDirectoryStatus() }
        let target: Endpoint
        do { target = try Endpoint(parsing: endpoint) } catch { throw ValidationError("\(endpoint): \(error) (nor is it a run directory)") }
        let security: RoleSecurity
        do { security = RoleSecurity(try ConfigLoader.load(overrides: overrides).security) } catch let error as ConfigError { throw ValidationError(error.description) }
        try await ask(target, security: security)
    }

    /// A run directory: its learner if it answers; else how the run ended, if it did.
    private func runDirectoryStatus() async throws {
        let run = try RunDirectory(path: endpoint, create: false)
        guard FileManager.default.fileExists(atPath: run.config) else { throw ValidationError("\(endpoint) holds no config.yaml: not a run directory") }
        let security: RoleSecurity
        do { security = RoleSecurity(try ConfigLoader.load(file: run.config, overrides: overrides).security) } catch let error as ConfigError { throw ValidationError(error.description) }
        let summary = try? JSONFile.read(run.summary)
        let finished = summary.flatMap { $0["finish_reason"] as? String }
        if let control = EndpointAnnouncement.read(run.announcement("learner"))?["control"], let target = try? Endpoint(parsing: control) {
            // A run that is over has nobody to answer: a moment is enough to find out.
            if let answer = await Self.status(of: target, security: security, timeout: finished == nil ? timeout : min(timeout, 1)) {
                return show(answer)
            }
        }
        guard let finished, let summary else {
            FileHandle.standardError.write(Data("nexus status: the learner of \(endpoint) does not answer and the run has no summary.json: it is starting, or it was killed (see \(run.logs))\n".utf8))
            throw ExitCode(1)
        }
        if json {
            print(try JSONFile.encode(summary.merging(["state": "finished"]) { old, _ in old }))
        } else {
            print("finished: \(finished)")
            for key in ["algo", "env", "iterations", "env_steps", "expert_queries", "eval_return_mean", "target_return", "reached_target", "wall_seconds"] {
                // JSON's booleans read back as numbers on Linux.
                if let value = summary[key] {
                    print("\(key) \(key == "reached_target" ? "\((value as? NSNumber)?.boolValue ?? false)" : value is NSNull ? "none" : "\(value)")")
                }
            }
        }
    }

    private func ask(_ target: Endpoint, security: RoleSecurity) async throws {
        let client: StatusClient
        do {
            client = try StatusClient(endpoint: target, security: security, logger: Logger(label: "nexus.status"))
        } catch {
            FileHandle.standardError.write(Data("nexus status: \(error)\n".utf8))
            throw ExitCode(64)
        }
        let answer = await client.status(timeout: timeout)
        await client.close()
        guard let answer else {
            FileHandle.standardError.write(Data("nexus status: no answer from \(endpoint) within \(timeout) s\n".utf8))
            throw ExitCode(1)
        }
        show(answer)
    }

    private static func status(of target: Endpoint, security: RoleSecurity, timeout: Double) async -> ControlMessage.Status? {
        guard let client = try? StatusClient(endpoint: target, security: security, logger: Logger(label: "nexus.status")) else { return nil }
        let answer = await client.status(timeout: timeout)
        await client.close()
        return answer
    }

    private func show(_ answer: ControlMessage.Status) {
        if json {
            var object: [String: Any] = ["role": answer.role, "run_id": answer.runID, "policy_version": Int(answer.policyVersion)]
            for metric in answer.metrics { object[metric.name] = metric.value }
            print((try? JSONFile.encode(object)) ?? "{}")
        } else {
            print("\(answer.role)\(answer.runID.isEmpty ? "" : " \(answer.runID)") policy_version \(answer.policyVersion)")
            for metric in answer.metrics { print("\(metric.name) \(metric.value)") }
        }
    }
}
