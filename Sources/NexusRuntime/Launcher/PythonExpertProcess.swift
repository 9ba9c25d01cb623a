import Foundation
import Logging
import NexusEnvironments
import NexusTransport

/// A Python expert for one command (`nexus eval --expert-python`, `nexus demos record
/// --expert-python`): `python -m nexusrl expert` on a free loopback port, asked through the
/// `ExpertClient` a worker uses (retries, refused answers counted). It stops with `close()`,
/// or when this process ends (it watches its standard input).
public final class PythonExpertProcess: Sendable {
    public let client: ExpertClient
    private let child: ChildProcess
    private let folder: ProcessFolder

    /// How long the server may take to listen (imports: an SB3 model loads torch).
    public static let startSeconds = 300.0

    /// Starts `expert` (MODULE:CALLABLE or sb3:PATH.zip) with `python` for `spec`'s spaces.
    /// One that exits before it listens is refused with Python's last words.
    public static func start(expert: String, python: String, spec: EnvironmentSpec, logger: Logger) async throws -> PythonExpertProcess {
        let folder = try ProcessFolder(kind: "expert")
        let announce = folder.path + "/expert.json"
        let log = folder.path + "/expert.log"
        let arguments = PythonExpert.arguments(
            expert: expert, spec: spec, maxBatch: RunConfig.ExpertSettings().maxBatch, bind: "tcp://127.0.0.1:*", announce: announce, watchParent: true)
        let child: ChildProcess
        do {
            child = try ChildProcess(name: "expert", executable: try PythonExpert.interpreter(python), arguments: arguments, logPath: log)
        } catch {
            folder.remove()
            throw error
        }
        let started = ContinuousClock.now
        while true {
            if let endpoint = EndpointAnnouncement.read(announce)?["expert"] {
                do {
                    let client = try ExpertClient(
                        endpoint: try Endpoint(parsing: endpoint), workerID: 0, envID: spec.id, actionDim: spec.actionSpace.dimension,
                        discreteActions: spec.actionSpace.discreteCount, settings: RunConfig.WorkerSettings(), logger: logger)
                    return PythonExpertProcess(client: client, child: child, folder: folder)
                } catch {
                    child.signal(SIGKILL)
                    folder.remove()
                    throw error
                }
            }
            let failure: String? =
                !child.isRunning
                ? "the Python expert \(child.exitDescription) before listening\(ProcessFolder.lastWords(of: log))"
                : ContinuousClock.now - started > .seconds(startSeconds) ? "the Python expert did not listen in \(Int(startSeconds)) s\(ProcessFolder.lastWords(of: log))" : nil
            if let failure {
                child.signal(SIGKILL)
                folder.remove()
                throw RuntimeError("--expert-python \(expert): \(failure)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private init(client: ExpertClient, child: ChildProcess, folder: ProcessFolder) {
        (self.client, self.child, self.folder) = (client, child, folder)
    }

    /// Tries of one query before a command gives up (a worker's client never does).
    public static let attempts = 5

    /// The expert's actions for `rows` observations.
    public func act(_ observations: [Float], rows: Int, observationDim: Int) async throws -> [Float] {
        do {
            return try await client.label(observations, rows: rows, observationDim: observationDim, attempts: Self.attempts)
        } catch {
            // An expert that died: its own last words say why (its log goes with the folder).
            guard child.isRunning else { throw RuntimeError("the Python expert \(child.exitDescription)\(ProcessFolder.lastWords(of: folder.path + "/expert.log"))") }
            throw error
        }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its folder.
    public func close() async {
        await client.close()
        child.signal(SIGTERM)
        if !(await child.waitForExit(seconds: 5)) {
            child.signal(SIGKILL)
            _ = await child.waitForExit(seconds: 5)
        }
        folder.remove()
    }
}
