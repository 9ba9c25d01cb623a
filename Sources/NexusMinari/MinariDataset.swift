import Foundation
import NexusEnvironments
import NexusWire

/// Minari's dataset layout (D4RL's maintained successor), read into and written from Nexus
/// demonstration files: `DIR/data/main_data.hdf5` with one group per episode (`episode_K`:
/// `observations` T+1 × obs, `actions` T (Discrete) or T × act (Box), `rewards`,
/// `terminations`, `truncations` T) and `DIR/data/metadata.json` (spaces and `env_spec` as
/// JSON strings). Only what Nexus environments are made of: flat Box observations; Discrete or
/// flat Box actions.
public enum MinariDataset {
    /// The HDF5 file and metadata of `path`: a dataset directory, its `data/`, or the file.
    static func locate(_ path: String) throws -> (hdf5: String, metadata: String?) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw MinariError("\(path) does not exist") }
        var hdf5 = path
        if isDirectory.boolValue {
            guard let found = [path + "/data/main_data.hdf5", path + "/main_data.hdf5"].first(where: FileManager.default.fileExists) else {
                throw MinariError("\(path) holds no data/main_data.hdf5 (a Minari dataset directory has one)")
            }
            hdf5 = found
        }
        let metadata = (hdf5 as NSString).deletingLastPathComponent + "/metadata.json"
        return (hdf5, FileManager.default.fileExists(atPath: metadata) ? metadata : nil)
    }

    /// Reads a Minari dataset for `envID` (nil: the one its metadata names), checking every
    /// episode's shapes and values against the environment.
    /// `progress` hears (episodes read, episodes in the dataset) after each episode.
    public static func read(
        _ path: String, envID requested: String? = nil, nexusVersion: String, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> DemonstrationFile {
        let (hdf5Path, metadataPath) = try locate(path)
        let metadata = try metadataPath.map(MinariMetadata.read)
        guard let envID = requested ?? metadata?.envID else {
            throw MinariError("\(path): its metadata names no environment; give one with --env")
        }
        if let named = metadata?.envID, named != envID {
            throw MinariError("\(path) was recorded on \(named), not \(envID)")
        }
        let spec = try EnvironmentRegistry.type(for: envID).spec
        try metadata?.check(against: spec, source: metadataPath ?? path)
        let arguments = try metadata?.environmentArguments(for: spec) ?? .none
        let file = try HDF5File.open(hdf5Path)
        let groups = try episodeGroups(in: file)
        guard !groups.isEmpty else { throw MinariError("\(hdf5Path) holds no episode_K groups") }
        let episodes = try groups.enumerated().map { index, name in
            defer { progress(index + 1, groups.count) }
            return try readEpisode(name, index: index, from: file, spec: spec)
        }
        let header = DemonstrationHeader(
            envID: spec.id, observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension, discreteActions: spec.actionSpace.discreteCount ?? 0,
            expert: "minari:" + (metadata?.datasetID ?? (path as NSString).lastPathComponent), seed: 0, nexusVersion: nexusVersion,
            environmentArguments: arguments.values)
        return DemonstrationFile(header: header, episodes: episodes)
    }

    /// `episode_K` groups in K order (HDF5 lists them by name: episode_10 before episode_2).
    static func episodeGroups(in file: HDF5File) throws -> [String] {
        let numbered = try file.members(of: "/").compactMap { name -> (Int, String)? in
            guard name.hasPrefix("episode_"), let number = Int(name.dropFirst("episode_".count)) else { return nil }
            return (number, name)
        }
        return numbered.sorted { $0.0 < $1.0 }.map(\.1)
    }

    static func readEpisode(_ group: String, index: Int, from file: HDF5File, spec: EnvironmentSpec) throws -> TrajectorySegment {
        let place = "\(file.path): \(group)"
        for name in ["observations", "actions"] where file.isGroup("/\(group)/\(name)") {
            throw MinariError("\(place)/\(name) is a group (a Dict or Tuple space); \(spec.id) has flat \(name)")
        }
        let observations = try file.readFloats("/\(group)/observations")
        guard observations.shape.count == 2, observations.shape[1] == spec.observationDim, observations.shape[0] >= 2 else {
            throw MinariError("\(place)/observations has shape \(observations.shape); \(spec.id) needs [steps + 1, \(spec.observationDim)]")
        }
        let steps = observations.shape[0] - 1
        guard observations.values.allSatisfy(\.isFinite) else { throw MinariError("\(place)/observations holds a value that is not finite") }
        let actions = try readActions("/\(group)/actions", steps: steps, file: file, spec: spec, place: place)
        let rewards = try file.readDoubles("/\(group)/rewards")
        let terminations = try file.readFlags("/\(group)/terminations")
        let truncations = try file.readFlags("/\(group)/truncations")
        for (name, count) in [("rewards", rewards.values.count), ("terminations", terminations.count), ("truncations", truncations.count)] where count != steps {
            throw MinariError("\(place)/\(name) has \(count) entries for \(steps) steps (observations has \(steps + 1) rows)")
        }
        guard rewards.values.allSatisfy(\.isFinite) else { throw MinariError("\(place)/rewards holds a value that is not finite") }
        let ended = terminations[steps - 1] || truncations[steps - 1]
        let final = Array(observations.values.suffix(spec.observationDim))
        return TrajectorySegment(
            workerID: 0, envIndex: 0, episodeID: UInt64(index), segmentIndex: 0, envID: spec.id, policyVersion: 0,
            observations: Tensor(rows: steps + 1, columns: spec.observationDim, data: observations.values),
            actions: actions, rewards: rewards.values.map(Float.init), terminated: terminations, truncated: truncations,
            finalObservations: Tensor(rows: 1, columns: spec.observationDim, data: final), finalObservationSteps: [UInt32(steps - 1)],
            expertActions: actions, expertMask: [Bool](repeating: true, count: steps), expertActed: [Bool](repeating: true, count: steps),
            completedEpisodeReturns: ended ? [Float(rewards.values.reduce(0, +))] : [], completedEpisodeLengths: ended ? [UInt32(steps)] : [])
    }

    static func readActions(_ path: String, steps: Int, file: HDF5File, spec: EnvironmentSpec, place: String) throws -> Tensor {
        switch spec.actionSpace {
        case .discrete(let count):
            let actions = try file.readIntegers(path)
            guard actions.shape == [steps] else { throw MinariError("\(place)/actions has shape \(actions.shape); \(spec.id) needs [\(steps)] (Discrete)") }
            if let bad = actions.values.firstIndex(where: { !(0..<Int64(count)).contains($0) }) {
                throw MinariError("\(place)/actions[\(bad)] = \(actions.values[bad]) is outside \(spec.id)'s Discrete(\(count))")
            }
            return Tensor(rows: steps, columns: 1, data: actions.values.map(Float.init))
        case .box(let low, _):
            let actions = try file.readFloats(path)
            guard actions.shape == [steps, low.count] || (low.count == 1 && actions.shape == [steps]) else {
                throw MinariError("\(place)/actions has shape \(actions.shape); \(spec.id) needs [\(steps), \(low.count)] (Box)")
            }
            guard actions.values.allSatisfy(\.isFinite) else { throw MinariError("\(place)/actions holds a value that is not finite") }
            return Tensor(rows: steps, columns: low.count, data: actions.values)
        }
    }

    /// Writes `file` as a Minari dataset in `directory` (created; an existing dataset there
    /// is replaced), named `datasetID` (Minari's `namespace/name-vN`).
    public static func write(
        _ demonstrations: DemonstrationFile, to directory: String, datasetID: String, progress: (Int, Int) -> Void = { _, _ in }
    ) throws {
        let header = demonstrations.header
        let spec = try EnvironmentRegistry.type(for: header.envID).spec
        let data = directory + "/data"
        do {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        } catch {
            throw MinariError("cannot create \(data): \(error.localizedDescription)")
        }
        let file = try HDF5File.create(data + "/main_data.hdf5.tmp")
        for (index, episode) in demonstrations.episodes.enumerated() {
            let group = "/episode_\(index)"
            let steps = episode.stepCount
            try file.createGroup(group)
            try file.setAttribute("id", Int64(index), on: group)
            try file.setAttribute("total_steps", Int64(steps), on: group)
            try file.write(episode.observations.data, shape: [steps + 1, spec.observationDim], to: group + "/observations")
            if spec.actionSpace.discreteCount != nil {
                try file.write(episode.actions.data.map { Int64($0) }, shape: [steps], to: group + "/actions")
            } else {
                try file.write(episode.actions.data, shape: [steps, spec.actionSpace.dimension], to: group + "/actions")
            }
            try file.write(episode.rewards.map(Double.init), shape: [steps], to: group + "/rewards")
            try file.write(flags: episode.terminated, to: group + "/terminations")
            try file.write(flags: episode.truncated, to: group + "/truncations")
            progress(index + 1, demonstrations.episodes.count)
        }
        let metadata = MinariMetadata(
            datasetID: datasetID, spec: spec, arguments: header.environmentArguments,
            episodes: demonstrations.episodes.count, steps: demonstrations.totalSteps, algorithm: "nexus:" + header.expert)
        try AtomicFile.write(try metadata.encoded(), to: data + "/metadata.json")
        // libhdf5 writes in place: the file takes its name only once complete.
        file.close()
        guard rename(file.path, data + "/main_data.hdf5") == 0 else { throw MinariError("cannot move \(file.path) to \(data)/main_data.hdf5") }
    }
}
