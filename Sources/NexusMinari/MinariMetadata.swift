import Foundation
import NexusEnvironments
import NexusWire

/// `data/metadata.json` of a Minari dataset: its id, sizes, and the spaces and environment
/// spec as JSON strings (Gymnasium's serialisation), which import checks against Nexus's
/// environment and export writes from it.
struct MinariMetadata {
    var datasetID: String?
    var envID: String?
    var envKwargs: [String: Any] = [:]
    var observationSpace: [String: Any]?
    var actionSpace: [String: Any]?
    private var fields: [String: Any] = [:]
    private var envSpecObject: [String: Any] = [:]

    init() {}

    static func read(_ path: String) throws -> MinariMetadata {
        let data: Data
        do { data = Data(try FileBytes.read(path, limit: 64 << 20)) } catch let error as FileBytesError { throw MinariError(error.description) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw MinariError("\(path) is not a JSON object") }
        func embedded(_ key: String) throws -> [String: Any]? {
            guard let text = object[key] as? String else { return nil }
            guard let value = try? JSONSerialization.jsonObject(with: Data(Self.strictJSON(text).utf8)) as? [String: Any] else {
                throw MinariError("\(path): \(key) is not a JSON object")
            }
            return value
        }
        let envSpec = try embedded("env_spec")
        var metadata = MinariMetadata()
        metadata.datasetID = object["dataset_id"] as? String
        metadata.envID = envSpec?["id"] as? String
        metadata.envKwargs = envSpec?["kwargs"] as? [String: Any] ?? [:]
        metadata.observationSpace = try embedded("observation_space")
        metadata.actionSpace = try embedded("action_space")
        return metadata
    }

    /// The spaces the metadata declares, against the environment's.
    func check(against spec: EnvironmentSpec, source: String) throws {
        if let space = observationSpace {
            let shape = (space["shape"] as? [NSNumber])?.map(\.intValue)
            guard space["type"] as? String == "Box", shape == [spec.observationDim] else {
                throw MinariError("\(source): observation_space is \(Self.describe(space)); \(spec.id) observes Box(\(spec.observationDim))")
            }
        }
        if let space = actionSpace {
            let type = space["type"] as? String
            switch spec.actionSpace {
            case .discrete(let count):
                guard type == "Discrete", (space["n"] as? NSNumber)?.intValue == count, (space["start"] as? NSNumber)?.intValue ?? 0 == 0 else {
                    throw MinariError("\(source): action_space is \(Self.describe(space)); \(spec.id) acts in Discrete(\(count))")
                }
            case .box(let low, _):
                guard type == "Box", (space["shape"] as? [NSNumber])?.map(\.intValue) == [low.count] else {
                    throw MinariError("\(source): action_space is \(Self.describe(space)); \(spec.id) acts in Box(\(low.count))")
                }
            }
        }
    }

    /// The environment's keyword arguments that are numbers (render modes and the like are
    /// not part of the dynamics), checked against what the environment takes.
    func environmentArguments(for spec: EnvironmentSpec) throws -> EnvironmentArguments {
        var texts: [String: String] = [:]
        for (name, value) in envKwargs {
            if let number = value as? NSNumber { texts[name] = "\(number.doubleValue)" }
        }
        do {
            let arguments = try EnvironmentArguments.parse(texts)
            try arguments.check(for: spec)
            return arguments
        } catch let error as EnvironmentError {
            throw MinariError("env_spec kwargs: \(error.description)")
        }
    }

    /// Python's json writes unbounded boxes as `Infinity`, `-Infinity` (and `NaN`), which
    /// strict JSON has no words for: outside strings they become `null` (bounds are not read).
    static func strictJSON(_ text: String) -> String {
        var result = ""
        var inString = false, escaped = false
        var rest = Substring(text)
        while let character = rest.first {
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if let word = ["-Infinity", "Infinity", "NaN"].first(where: rest.hasPrefix) {
                result += "null"
                rest = rest.dropFirst(word.count)
                continue
            }
            result.append(character)
            rest = rest.dropFirst()
        }
        return result
    }

    static func describe(_ space: [String: Any]) -> String {
        let type = space["type"] as? String ?? "?"
        if let n = space["n"] { return "\(type)(\(n))" }
        return "\(type)(shape \((space["shape"] as? [NSNumber])?.map(\.intValue) ?? []))"
    }

    /// For export: what Minari 0.5 writes, from the environment's spec.
    init(datasetID: String, spec: EnvironmentSpec, arguments: [String: Double], episodes: Int, steps: Int, algorithm: String) {
        self.datasetID = datasetID
        envID = spec.id
        envKwargs = arguments
        let infinite = [Double](repeating: .infinity, count: spec.observationDim)
        // Nexus's specs carry no observation bounds: the box is unbounded.
        observationSpace = ["type": "Box", "dtype": "float32", "shape": [spec.observationDim], "low": infinite.map { -$0 }, "high": infinite]
        switch spec.actionSpace {
        case .discrete(let count): actionSpace = ["type": "Discrete", "dtype": "int64", "start": 0, "n": count]
        case .box(let low, let high): actionSpace = ["type": "Box", "dtype": "float32", "shape": [low.count], "low": low.map(Double.init), "high": high.map(Double.init)]
        }
        fields = [
            "total_episodes": episodes, "total_steps": steps, "data_format": "hdf5", "dataset_id": datasetID,
            "algorithm_name": algorithm, "minari_version": "0.5.4", "author": "Nexus",
        ]
        // Gymnasium's EnvSpec.to_json: `entry_point` is what recover_environment() needs to
        // build the environment; boolean keyword arguments stay booleans.
        let kwargs = Dictionary(uniqueKeysWithValues: arguments.map { name, value -> (String, Any) in
            (name, spec.booleanArguments.contains(name) ? (value != 0) as Any : value as Any)
        })
        envSpecObject = [
            "id": spec.id, "entry_point": spec.gymnasiumEntryPoint ?? NSNull(), "reward_threshold": spec.rewardThreshold ?? NSNull(),
            "nondeterministic": false, "max_episode_steps": spec.maxEpisodeSteps, "order_enforce": true, "disable_env_checker": false,
            "kwargs": kwargs, "additional_wrappers": [Any](), "vector_entry_point": spec.gymnasiumVectorEntryPoint ?? NSNull(),
        ]
    }

    func encoded() throws -> [UInt8] {
        var object = fields
        object["observation_space"] = try Self.jsonText(observationSpace ?? [:])
        object["action_space"] = try Self.jsonText(actionSpace ?? [:])
        object["env_spec"] = try Self.jsonText(envSpecObject)
        return try [UInt8](Self.json(object))
    }

    private static func json(_ object: Any) throws -> Data {
        // Infinite bounds as Python's json writes them (JSONSerialization refuses non-finite numbers).
        let sanitised = Self.replacingInfinities(object)
        let data = try JSONSerialization.data(withJSONObject: sanitised, options: [.sortedKeys])
        return Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"__inf__\"", with: "Infinity").replacingOccurrences(of: "\"__-inf__\"", with: "-Infinity").utf8)
    }

    private static func jsonText(_ object: Any) throws -> String { String(decoding: try json(object), as: UTF8.self) }

    private static func replacingInfinities(_ value: Any) -> Any {
        switch value {
        case let number as Double where number.isInfinite: return number > 0 ? "__inf__" : "__-inf__"
        case let array as [Any]: return array.map(replacingInfinities)
        case let object as [String: Any]: return object.mapValues(replacingInfinities)
        default: return value
        }
    }
}
