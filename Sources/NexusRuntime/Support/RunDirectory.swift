import Foundation
import NexusWire

/// The files of one run: `config.yaml` (resolved), `cluster.json`, `metrics.csv`, `tb/`,
/// `summary.json`, `checkpoints/`, `logs/`, `endpoints/` (where roles announce the
/// addresses they bound) and `roles/` (the configuration the launcher gives each child).
public struct RunDirectory: Sendable {
    public let path: String

    public init(path: String, create: Bool = true) throws {
        self.path = path
        guard create else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw RuntimeError("run directory \(path) does not exist")
            }
            return
        }
        for folder in [path, checkpoints, logs, endpoints, roles] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw RuntimeError("cannot create \(folder): \(error.localizedDescription)")
            }
        }
    }

    public var config: String { path + "/config.yaml" }
    public var cluster: String { path + "/cluster.json" }
    public var metrics: String { path + "/metrics.csv" }
    public var summary: String { path + "/summary.json" }
    public var tensorBoard: String { path + "/tb" }
    public var checkpoints: String { path + "/checkpoints" }
    public var logs: String { path + "/logs" }
    public var endpoints: String { path + "/endpoints" }
    public var roles: String { path + "/roles" }
    /// The policy versions reserved so far (`VersionReservation`).
    public var publishedVersions: String { checkpoints + "/published-versions" }

    /// What the learner writes: a learner starting afresh where another one wrote removes them.
    public static let learnerOutputs = ["metrics.csv", "summary.json", "tb", "checkpoints"]
    /// Everything a run writes (`keys`: the CURVE keys `nexus train` made for it).
    public static let runFiles = ["config.yaml", "cluster.json", "logs", "endpoints", "roles", "keys"] + learnerOutputs

    /// The files of an earlier run at `path`, by name (none: a new or empty directory).
    public static func earlierRun(at path: String, among names: [String] = runFiles) -> [String] {
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
        return names.filter { present.contains($0) }
    }

    /// Removes what an earlier run wrote at `path` (only its own files: nothing else there).
    /// Refused unless `path` holds a `config.yaml` that loads: a user's folder that happens to
    /// have a `logs/` or `checkpoints/` is not a run to remove.
    public static func clear(_ path: String, keeping kept: [String] = []) throws {
        do {
            _ = try ConfigLoader.load(file: path + "/config.yaml")
        } catch {
            throw RuntimeError("\(path) holds no readable Nexus config.yaml, so it is not a run directory --overwrite may clear: \(error)")
        }
        for name in earlierRun(at: path) where !kept.contains(name) {
            do {
                try FileManager.default.removeItem(atPath: path + "/" + name)
            } catch {
                throw RuntimeError("cannot remove \(path)/\(name): \(error.localizedDescription)")
            }
        }
    }

    /// Removes an earlier learner's outputs (metrics, summary, events, checkpoints).
    public static func clearLearnerOutputs(_ path: String) throws {
        try clear(path, keeping: runFiles.filter { !learnerOutputs.contains($0) })
    }

    public func log(_ name: String) -> String { logs + "/\(name).log" }
    public func announcement(_ role: String) -> String { endpoints + "/\(role).json" }
    /// The configuration file the launcher gives the child `name` (`--config`): no value
    /// passes through a command line, where quoting would have to survive.
    public func roleConfig(_ name: String) -> String { roles + "/\(name).yaml" }

    /// A fresh directory name under `runs/`: algo, env and the time.
    public static func defaultPath(algo: String, env: String) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        // A gym: name holds colons (gym:MODULE:ID), which paths and job names do without.
        return "runs/\(algo)-\(env.replacingOccurrences(of: ":", with: "-"))-\(formatter.string(from: Date()))-\(getpid())"
    }
}

/// What a role bound, written once its sockets listen, so the launcher (and people) can find it.
public enum EndpointAnnouncement {
    public static func write(_ endpoints: [String: String], role: String, pid: Int32, to path: String) throws {
        var object: [String: Any] = ["role": role, "pid": Int(pid)]
        object["endpoints"] = endpoints
        try AtomicFile.write(try JSONFile.encode(object), to: path)
    }

    public static func read(_ path: String) -> [String: String]? {
        guard FileManager.default.fileExists(atPath: path), let object = try? JSONFile.read(path) else { return nil }
        return object["endpoints"] as? [String: String]
    }
}
