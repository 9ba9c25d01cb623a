import Foundation
import NexusEnvironments
import Testing
import Yams

@testable import NexusRuntime

@Suite("Run configuration")
struct ConfigLoaderTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-config-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func error(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func defaultsNeedNoFile() throws {
        let config = try ConfigLoader.load()
        #expect(config == RunConfig.defaults(for: "CartPole-v1"))
        #expect(config.targetReturn == 475)
    }

    @Test func fileAndOverridesLayerOverDefaultsForTheirEnvironment() throws {
        let path = try write("env: Pendulum-v1\npolicy:\n  learning_rate: 3e-4\n  hidden_sizes: [32, 32]\n")
        let config = try ConfigLoader.load(file: path, overrides: ["worker.envs=4", "dagger.beta_schedule=linear"])
        #expect(config.env == "Pendulum-v1")
        #expect(config.targetReturn == -200)
        #expect(config.policy.learningRate == 3e-4)
        #expect(config.policy.hiddenSizes == [32, 32])
        #expect(config.policy.batchSize == RunConfig().policy.batchSize)
        #expect(config.worker.envs == 4)
        #expect(config.imitationSettings.dagger.beta(iteration: 5) == 0.75)
    }

    @Test func resolvedYAMLReadsBackTheSame() throws {
        var config = try ConfigLoader.load(overrides: ["env=Acrobot-v1", "seed=7"])
        config.endpoints.expert = "tcp://127.0.0.1:6000"
        let path = try write(try ConfigLoader.yaml(config))
        #expect(try ConfigLoader.load(file: path) == config)
    }

    @Test func badInputIsNamed() throws {
        #expect(error { try ConfigLoader.load(overrides: ["policy.learning_rat=1"]) }.contains("unknown config key \"policy.learning_rat\""))
        // Type errors name the key and the value given, not the decoder's words.
        for (override, message) in [
            ("policy.learning_rate=fast", "config key \"policy.learning_rate\": \"fast\" is not a number"),
            ("workers=two", "config key \"workers\": \"two\" is not a whole number"),
            ("stop_at_target=maybe", "config key \"stop_at_target\": \"maybe\" is not true or false"),
            ("policy.hidden_sizes=[64, x]", "config key \"policy.hidden_sizes[1]\": \"x\" is not a whole number"),
            ("learner.eval_every=[1]", "config key \"learner.eval_every\": a list is not a single value"),
            ("expert.imperfections=3", "config key \"expert.imperfections\": \"3\" is not a list"),
        ] {
            let text = error { try ConfigLoader.load(overrides: [override]) }
            #expect(text.contains(message) && !text.contains("Expected to decode") && !text.contains("Scalar"), "\(override): \(text)")
        }
        #expect(error { try ConfigLoader.load(overrides: ["worker.envs=0"]) }.contains("\"worker.envs\" = 0"))
        #expect(error { try ConfigLoader.load(overrides: ["env=Pong-v5"]) }.contains("unknown environment"))
        #expect(error { try ConfigLoader.load(overrides: ["endpoints.expert=tcp://host"]) }.contains("endpoints.expert"))
        #expect(error { try ConfigLoader.load(overrides: ["algo=bc"]) }.contains("config key \"demos\""))
        #expect(error { try ConfigLoader.load(overrides: ["metrics.port=70000"]) }.contains("\"metrics.port\" = 70000: must be a TCP port"))
        #expect(error { try ConfigLoader.load(overrides: ["metrics.port=65535"]) }.contains("leaves no port for the experts"))
        #expect(error { try ConfigLoader.load(overrides: ["metrics.port=9400", "metrics.bind=localhost"]) }.contains("\"metrics.bind\" = localhost: must be an IPv4 address"))
        #expect(error { try ConfigLoader.load(overrides: ["policy=3"]) }.contains("\"policy\" must be a mapping"))
        #expect(error { try ConfigLoader.load(overrides: ["dagger.first_expert_copies=9"]) }.contains("\"dagger.first_expert_copies\" = 9: must be from 0 to worker.envs (8)"))
        #expect(error { try ConfigLoader.load(overrides: ["algo=mega-dagger", "mega.takeover_steps=-1"]) }.contains("\"mega.takeover_steps\" = -1: must be from 0 to 1000"))
        #expect(error { try ConfigLoader.load(overrides: ["algo=mega-dagger", "mega.safety_takeover_steps=1001"]) }.contains("\"mega.safety_takeover_steps\" = 1001: must be from 0 to 1000"))
        #expect(error { try ConfigLoader.load(overrides: ["algo=mega-dagger", "mega.safety_margin=-0.5"]) }.contains("\"mega.safety_margin\" = -0.5: must be from 0 to 100"))
        #expect(error { try ConfigLoader.load(overrides: ["novalue"]) }.contains("key.path=value"))
        #expect(error { try ConfigLoader.load(file: try write("- a\n- b\n")) }.contains("top level must be a mapping"))
        #expect(error { try ConfigLoader.load(file: try write("env: [unclosed\n")) }.contains("not valid YAML"))
        #expect(error { try ConfigLoader.load(file: "/nonexistent/nexus.yaml") }.contains("cannot read config file /nonexistent/nexus.yaml"))
        #expect(error { try ConfigLoader.load(overrides: ["unsafe_region=[\"obs[0] < -1.1\"]"]) }.contains("\"unsafe_region\"") )
        #expect(error { try ConfigLoader.load(overrides: ["unsafe_region=[\"obs[0] < -1.1\"]"]) }.contains("is for gym: environments; CartPole-v1's unsafe region is built in"))
        #expect(error { try ConfigLoader.load(overrides: ["env=gym:CartPole-v1", "target_return=475", "unsafe_region=[\"obs[0] <= 2\"]"]) }
            .contains("config key \"unsafe_region\": \"obs[0] <= 2\" is not obs[I] < V or obs[I] > V"))
    }

    @Test("a gym: MuJoCo robot takes its family's unsafe region unless the user declares one or moves the observation")
    func muJoCoUnsafeRegionByDefault() throws {
        let hopper = try ConfigLoader.load(overrides: ["algo=dagger", "env=gym:Hopper-v5", "target_return=3000"])
        #expect(hopper.unsafeRegion == MuJoCoUnsafeRegions.bounds(for: "gym:Hopper-v5"))
        let declared = try ConfigLoader.load(overrides: ["env=gym:Hopper-v5", "target_return=3000", "unsafe_region=[\"obs[0] < 0.9\"]"])
        #expect(declared.unsafeRegion == ["obs[0] < 0.9"])
        let moved = try ConfigLoader.load(overrides: ["env=gym:Hopper-v5", "target_return=3000", "env_kwargs.exclude_current_positions_from_observation=false"])
        #expect(moved.unsafeRegion.isEmpty)
    }

    @Test("a Python expert serves over CurveZMQ where the run's security says so: --keys for security.mode curve or a remote bind under auto, none on loopback under auto or with none")
    func pythonExpertTakesTheRunsKeys() throws {
        func arguments(_ settings: [String], bind: String) throws -> [String] {
            try PythonExpert.arguments(try ConfigLoader.load(overrides: ["algo=dagger", "expert.python='m:f'"] + settings), bind: bind, announce: nil, watchParent: false)
        }
        func keys(_ arguments: [String]) -> String? { arguments.firstIndex(of: "--keys").map { arguments[$0 + 1] } }
        #expect(keys(try arguments(["security.mode=curve", "security.keys=/k"], bind: "tcp://127.0.0.1:5560")) == "/k")
        #expect(keys(try arguments(["security.keys=/k"], bind: "tcp://0.0.0.0:5560")) == "/k")
        #expect(keys(try arguments(["security.keys=/k"], bind: "tcp://127.0.0.1:*")) == nil)
        #expect(keys(try arguments(["security.mode=none", "security.keys=/k"], bind: "tcp://0.0.0.0:5560")) == nil)
        #expect(throws: RuntimeError.self) { try arguments(["security.mode=curve"], bind: "tcp://127.0.0.1:5560") }
    }
}

extension ConfigLoaderTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every key path of a mapping (a free-form map such as env_kwargs counts as one key).
    static func keyPaths(_ node: Yams.Node, prefix: String = "") -> Set<String> {
        guard let mapping = node.mapping else { return [prefix] }
        var paths: Set<String> = []
        for (key, value) in mapping {
            let name = prefix.isEmpty ? key.string ?? "" : prefix + "." + (key.string ?? "")
            paths.formUnion(name == "env_kwargs" ? [name] : keyPaths(value, prefix: name))
        }
        return paths
    }

    @Test("cluster/dagger-cartpole.yaml lists every key a DAgger run reads, each at its default")
    func daggerExampleIsComplete() throws {
        let path = Self.root.appendingPathComponent("cluster/dagger-cartpole.yaml").path
        let example = try ConfigLoader.parse(try String(contentsOfFile: path, encoding: .utf8), source: path)
        let defaults = try ConfigLoader.parse(try ConfigLoader.yaml(RunConfig.defaults(for: "CartPole-v1", algo: "dagger", workers: 4)), source: "defaults")
        // What DAgger reads, by the declarations (`ConfigKeys`).
        let expected = Set(ConfigKeys.keys(for: try AlgorithmRegistry.builder(named: "dagger")).map(\.path))
        #expect(expected.isSubset(of: Self.keyPaths(defaults)))
        let listed = Self.keyPaths(example)
        #expect(expected.subtracting(listed).sorted() == [], "keys the example lacks")
        #expect(listed.subtracting(expected).sorted() == [], "keys the example has that DAgger does not read")
        // At its defaults (the endpoints are the standalone roles' fixed ports, max_seconds 600).
        var loaded = try ConfigLoader.load(file: path)
        var reference = RunConfig.defaults(for: "CartPole-v1", algo: "dagger", workers: 4)
        loaded.endpoints = reference.endpoints
        reference.maxSeconds = loaded.maxSeconds
        #expect(loaded == reference)
    }
}

@Suite("Gymnasium environments in the configuration")
struct GymConfigTests {
    @Test("env_kwargs keep the user's names (ctrl_cost_weight stays snake case) through loading and the YAML served to workers")
    func keywordNamesKept() throws {
        let config = try ConfigLoader.load(overrides: ["env=Pendulum-v1", "env_kwargs.g=12", "target_return=-200"])
        #expect(config.envKwargs == ["g": "12"])
        var gym = config
        gym.envKwargs = ["ctrl_cost_weight": "0.2", "render_mode": "rgb_array"]
        let yaml = try ConfigLoader.yaml(gym)
        #expect(yaml.contains("ctrl_cost_weight") && !yaml.contains("ctrlCostWeight"), "\(yaml)")
        #expect(ConfigLoader.rekey(try ConfigLoader.parse(yaml, source: "test"), ConfigLoader.camelCase).mapping?["envKwargs"]?.mapping?["ctrl_cost_weight"] != nil)
    }

    @Test("gym: names are checked for form before Python is asked")
    func names() throws {
        for bad in ["gym:", "gym:a:b:c", "gym::X-v0", "gym:Cart Pole"] {
            #expect(throws: ConfigError.self, "\(bad)") { try ConfigLoader.load(overrides: ["env='\(bad)'", "target_return=1"]) }
        }
        #expect(GymEnvironmentID.gymnasiumName("gym:my_pkg:Thing-v0") == "my_pkg:Thing-v0")
        #expect(GymEnvironmentID.gymnasiumName("CartPole-v1") == nil)
    }
}
