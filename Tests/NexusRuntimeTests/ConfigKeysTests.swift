import Foundation
import NexusEnvironments
import Testing
import Yams

@testable import NexusRuntime

@Suite("The configuration's key declarations")
struct ConfigKeysTests {
    @Test("every key of the configuration is declared once, with one line of help, and nothing else is")
    func everyKeyDeclared() throws {
        let paths = ConfigKeys.all.map(\.path)
        #expect(Set(paths).count == paths.count, "a key declared twice")
        let actual = ConfigLoaderTests.keyPaths(try ConfigLoader.parse(try ConfigLoader.yaml(RunConfig()), source: "defaults"))
        #expect(actual.subtracting(paths).sorted() == [], "keys without a declaration")
        #expect(Set(paths).subtracting(actual).sorted() == [], "declarations of no key")
        for key in ConfigKeys.all {
            #expect(!key.help.isEmpty && !key.help.contains("\n"), "\(key.path)'s help")
        }
    }

    @Test("every algorithm's defaults on every built-in environment keep every key's rule")
    func defaultsKeepTheRules() throws {
        for algo in AlgorithmRegistry.names {
            for env in EnvironmentRegistry.ids {
                for workers in [1, 4, 256] {
                    #expect(throws: Never.self, "\(algo) on \(env), \(workers) workers") { try ConfigKeys.check(RunConfig.defaults(for: env, algo: algo, workers: workers)) }
                }
            }
        }
    }

    @Test("a value that breaks a key's rule is refused with the key, the value and the rule")
    func rulesRefuse() throws {
        func refusal(_ override: String) -> String {
            do {
                _ = try ConfigLoader.load(overrides: [override])
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let cases = [
            ("workers=0", "config key \"workers\" = 0: must be from 1 to 256"),
            ("policy.learning_rate=2", "config key \"policy.learning_rate\" = 2.0: must be in (0, 1]"),
            ("mega.members=1", "config key \"mega.members\" = 1: must be from 2 to"),
            ("mega.query_rate=1.5", "config key \"mega.query_rate\" = 1.5: must be in [0, 1]"),
            ("ppo.gamma=0", "config key \"ppo.gamma\" = 0.0: must be in (0, 1]"),
            ("adversarial.label_smoothing=0.5", "config key \"adversarial.label_smoothing\" = 0.5: must be in [0, 0.5)"),
            ("adversarial.warm_start_steps=-1", "config key \"adversarial.warm_start_steps\" = -1: must be from 0 to 10000000"),
            ("adversarial.demonstration_weight=-1", "config key \"adversarial.demonstration_weight\" = -1.0: must be in [0.0, 1000000.0]"),
            ("worker.heartbeat_seconds=1e30", "config key \"worker.heartbeat_seconds\" = 1e+30: must be positive, at most 86400 seconds"),
            ("endpoints.control=udp://x", "config key \"endpoints.control\" = udp://x: must be tcp://HOST:PORT or ipc://PATH"),
            ("metrics.bind=localhost", "config key \"metrics.bind\" = localhost: must be an IPv4 address"),
        ]
        for (override, expected) in cases {
            #expect(refusal(override).hasPrefix(expected), "\(override): \(refusal(override))")
        }
    }

    @Test("a misspelt key or enumeration value is refused with the nearest valid name")
    func nearestNames() throws {
        func refusal(_ overrides: [String]) -> String {
            do {
                _ = try ConfigLoader.load(overrides: overrides)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal(["policy.lerning_rate=1e-3"]).contains("did you mean policy.learning_rate?"))
        #expect(refusal(["learning_rate=1e-3"]).contains("did you mean policy.learning_rate?"))
        #expect(refusal(["mega.use_beta_mixture=false"]).contains("did you mean mega.beta_mixture?"))
        #expect(refusal(["policy.activation=rleu"]) == "config key \"policy.activation\" = rleu: must be tanh or relu; did you mean relu?")
        #expect(refusal(["dagger.beta_schedule=expo"]).hasSuffix("did you mean exponential?"))
        #expect(refusal(["adversarial.gradient_penalty=wgan_gp"]).hasSuffix("did you mean wgan-gp?"))
        #expect(refusal(["security.mode=Curve"]).hasSuffix("did you mean curve?"))
        #expect(refusal(["env=CartPol-v1"]).hasSuffix("did you mean CartPole-v1?"))
        // A name nowhere near any is refused without a guess.
        #expect(!refusal(["policy.activation=softmax"]).contains("did you mean"))
        #expect(refusal(["policy.activation=identity"]).contains("must be tanh or relu"))
    }

    @Test("nearest names: slips are matched, other words are not")
    func nearestNameRules() {
        #expect(NearestName.among(["tanh", "relu"], to: "rleu") == "relu")
        #expect(NearestName.among(["learning_rate", "batch_size"], to: "lerning_rate") == "learning_rate")
        #expect(NearestName.among(["exponential", "linear", "constant"], to: "lin") == "linear")
        #expect(NearestName.among(["tanh", "relu"], to: "sigmoid") == nil)
        #expect(NearestName.editDistance("ab", "ba") == 1)
        #expect(NearestName.editDistance("", "abc") == 3)
        #expect(NearestName.editDistance("kitten", "sitting") == 3)
    }

    @Test("an algorithm's keys are the common sections and its own")
    func algorithmKeys() throws {
        let ppo = Set(ConfigKeys.keys(for: try AlgorithmRegistry.builder(named: "ppo")).map(\.section))
        #expect(ppo.contains("ppo") && ppo.contains("policy") && !ppo.contains("mega") && !ppo.contains("adversarial") && !ppo.contains("dagger"))
        let gail = Set(ConfigKeys.keys(for: try AlgorithmRegistry.builder(named: "gail")).map(\.section))
        #expect(gail.isSuperset(of: ["ppo", "adversarial"]))
        // Every section belongs to some algorithm or to all.
        let claimed = ConfigKeys.commonSections.union(AlgorithmRegistry.builders.flatMap(\.sections))
        #expect(Set(ConfigKeys.all.map(\.section)).subtracting(claimed).sorted() == [])
    }

    @Test("values as YAML writes them: Float settings in their short form")
    func values() throws {
        let values = try ConfigKeys.values(of: RunConfig.defaults(for: "Pendulum-v1", algo: "mega-dagger"))
        #expect(values["mega.model_learning_rate"] == "0.001")
        #expect(values["mega.query_rate"] == "0.03")
        #expect(values["policy.hidden_sizes"] == "[64, 64]")
        #expect(values["demos"] == "''")
        #expect(values.count == ConfigKeys.all.count)
        // And read back as the same values.
        let config = RunConfig.defaults(for: "Pendulum-v1", algo: "mega-dagger")
        #expect(try ConfigLoader.load(yaml: try ConfigLoader.yaml(config), source: "served") == config)
    }
}
