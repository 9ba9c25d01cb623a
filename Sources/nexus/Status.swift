import ArgumentParser
import Foundation
import Logging
import NexusRuntime
import NexusTransport

/// `nexus status ENDPOINT`: one status request to a learner's control endpoint or an
/// expert's endpoint. Exit status 0 with the answer, 1 without one: a liveness probe
/// (Kubernetes, Slurm scripts) and a look at a running job.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask a learner or expert for its status; exit 1 if it does not answer in time (a liveness probe).")

    @Argument(help: "The learner's control endpoint or an expert's endpoint, e.g. tcp://10.0.0.5:5555.")
    var endpoint: String

    @Option(parsing: .unconditional, help: "Seconds to wait for the answer.")
    var timeout: Double = 5

    @Option(name: .customLong("set"), help: ArgumentHelp("How to reach it: security.mode and security.keys (client.key, server.pub), e.g. --set security.keys=/etc/nexus/keys.", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "Print the answer as one JSON object.")
    var json = false

    func run() async throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout \(timeout) must be in (0, 3600] seconds") }
        let target: Endpoint
        do { target = try Endpoint(parsing: endpoint) } catch { throw ValidationError("\(endpoint): \(error)") }
        let security: RoleSecurity
        do { security = RoleSecurity(try ConfigLoader.load(overrides: overrides).security) } catch let error as ConfigError { throw ValidationError(error.description) }
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
        if json {
            var object: [String: Any] = ["role": answer.role, "run_id": answer.runID, "policy_version": Int(answer.policyVersion)]
            for metric in answer.metrics { object[metric.name] = metric.value }
            print(try JSONFile.encode(object))
        } else {
            print("\(answer.role)\(answer.runID.isEmpty ? "" : " \(answer.runID)") policy_version \(answer.policyVersion)")
            for metric in answer.metrics { print("\(metric.name) \(metric.value)") }
        }
    }
}
