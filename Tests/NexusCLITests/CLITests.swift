import Foundation
import NexusTestKit
import NexusWire
import Testing

@Suite("The nexus command line")
struct CLITests {
    @Test("--help names every subcommand and what it is for; train --help shows the defaults")
    func help() async throws {
        let root = try await NexusProcess.run(["--help"])
        #expect(root.status == 0)
        #expect(root.stdout.contains("bench"))
        #expect(root.stdout.contains("imitation learning"))
        let bench = try await NexusProcess.run(["bench", "--help"])
        #expect(bench.status == 0)
        #expect(bench.stdout.contains("wire"))
        #expect(bench.stdout.contains("transport"))
        #expect(bench.stdout.contains("nn"))
        #expect(bench.stdout.contains("baseline"))
        // train --help says what a run uses when a flag is left out.
        let train = try await NexusProcess.run(["train", "--help"])
        let flat = train.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for text in ["the algo key; default dagger", "the env key; default CartPole-v1", "the workers key; default 4", "the max_seconds key; default 600", "the seed key; default 0"] {
            #expect(flat.contains(text), "train --help lacks \"\(text)\"")
        }
    }

    @Test("--version prints the release")
    func version() async throws {
        let result = try await NexusProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test("an unknown subcommand, a filter that matches nothing or a bad value exits 64, names the problem and shows usage as `nexus …`")
    func badInput() async throws {
        let unknown = try await NexusProcess.run(["bench", "warp"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("warp"))
        let filter = try await NexusProcess.run(["bench", "wire", "--filter", "nope"])
        #expect(filter.status == 64)
        #expect(filter.stderr.contains("no wire benchmark case matches \"nope\""))
        #expect(filter.stderr.contains("trajectory_1000x17"))
        // Usage lines are spelled from the root, for errors found while a subcommand runs too.
        for (arguments, command) in [(["train", "--set", "gamma=1"], "nexus train"), (["demos", "record", "--env", "CartPole-v1", "--episodes", "1", "--out", "/nonexistent/d.nxdemo", "--expert-policy", "/nonexistent.nxckpt"], "nexus demos record")] {
            let refused = try await NexusProcess.run(arguments)
            #expect(refused.status == 64 && refused.stderr.contains("Usage: \(command) ") && refused.stderr.contains("See '\(command) --help'"), "\(refused.stderr)")
        }
    }

    @Test("numeric options take negative values as written: a negative target trains and is kept (a run past it ends by max_seconds and says so); a negative count or time is refused by its rule, not as a missing value")
    func negativeNumbers() async throws {
        let directory = NSTemporaryDirectory() + "nexus-negative-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try await NexusProcess.run(
            ["train", "--env", "Pendulum-v1", "--target-return", "-1500", "--workers", "1", "--max-seconds", "8", "--set", "stop_at_target=false", "--run-dir", directory], timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        // A run that went on past its target says it ended by its budget, not "reached the target".
        #expect(run.stdout.hasSuffix("nexus: finished (reached max_seconds 8.0); the target was reached on the way; run directory \(directory)\n"), "\(run.stdout.suffix(300))")
        #expect(try String(contentsOfFile: directory + "/config.yaml", encoding: .utf8).contains("target_return: -1500.0"))
        for (arguments, key) in [(["--max-seconds", "-5"], "max_seconds"), (["--workers", "-2"], "workers")] {
            let refused = try await NexusProcess.run(["train", "--env", "Pendulum-v1"] + arguments + ["--run-dir", directory + "-refused"])
            #expect(refused.status == 64 && refused.stderr.contains(key) && !refused.stderr.contains("Missing value"), "\(arguments): \(refused.stderr)")
        }
        let episodes = try await NexusProcess.run(["eval", "--env", "Pendulum-v1", "--expert", "--episodes", "-3"])
        #expect(episodes.status == 64 && !episodes.stderr.contains("Missing value"), "\(episodes.stderr)")
    }

    @Test("every numeric option of every subcommand takes a negative value as a value (refused by its rule, if at all, never as a missing value)")
    func negativeValuesEverywhere() async throws {
        let dump = try await NexusProcess.run(["--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var options: [(command: [String], option: String)] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["kind"] as? String == "option" {
                let names = (argument["names"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "long" }.compactMap { $0["name"] as? String }
                if let name = names.first { options.append((path, "--" + name)) }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] { walk(sub, path + [sub["commandName"] as? String ?? ""]) }
        }
        walk(try #require(root["command"] as? [String: Any]), [])
        // A numeric option is one that refuses a word as its value and takes a number. Parsed
        // only, every command line by one process: nothing runs.
        typealias Probe = (command: [String], option: String)
        func parse(_ value: String, _ probes: [Probe]) async throws -> [String] {
            let input = probes.map { ($0.command + [$0.option, value]).joined(separator: "\t") }.joined(separator: "\n") + "\n"
            let result = try await NexusProcess.run([], timeout: 120, environment: ["NEXUS_PARSE_ONLY": "lines"], input: input)
            let answers = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            try #require(answers.count == probes.count, "\(result.stderr)")
            return answers
        }
        let probed = options.filter { !["help", "generate-completion-script"].contains($0.command.last ?? "") }
        let words = try await parse("abc", probed)
        let refusingWords = zip(probed, words).filter { $0.1.contains("The value 'abc' is invalid for '\($0.0.option)") }.map(\.0)
        let numbers = try await parse("12", refusingWords)
        let numeric = zip(refusingWords, numbers).filter { !$0.1.contains("The value '12' is invalid") }.map(\.0)
        for (probe, answer) in zip(numeric, try await parse("-1", numeric)) {
            #expect(!answer.contains("Missing value") && !answer.contains("Unknown option '-1'"),
                    "nexus \(probe.command.joined(separator: " ")) \(probe.option) -1: \(answer.prefix(300))")
        }
        #expect(numeric.count >= 15, "numeric options found: \(numeric.map { "\($0.command.joined(separator: " ")) \($0.option)" })")
    }

    @Test("--total-env-steps ends a run once the workers collected that many env steps (SB3's total_timesteps), says so, and is refused for bc")
    func totalEnvSteps() async throws {
        let directory = NSTemporaryDirectory() + "nexus-budget-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try await NexusProcess.run(
            ["train", "--algo", "ppo", "--env", "CartPole-v1", "--workers", "2", "--total-env-steps", "20000", "--set", "stop_at_target=false", "--run-dir", directory], timeout: 300)
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/summary.json"))) as? [String: Any]
        #expect(summary?["finish_reason"] as? String == "reached total_env_steps 20000")
        let steps = try #require((summary?["env_steps"] as? NSNumber)?.intValue)
        // Past the budget by what the workers had in flight when the last update ended.
        #expect(steps >= 20000 && steps < 30000, "env_steps \(steps)")
        #expect(run.stdout.contains("nexus: finished (reached total_env_steps 20000)"))
        let bc = try await NexusProcess.run(["train", "--algo", "bc", "--demos", "/nonexistent.nxdemo", "--total-env-steps", "1000"])
        #expect(bc.status == 64 && bc.stderr.contains("total_env_steps") && bc.stderr.contains("has no workers"), "\(bc.stderr)")
    }

    struct Record: Decodable {
        var bench: String
        var `case`: String
        var metric: String
        var value: Double
        var unit: String
        var baseline: Double
        var ratio: Double
    }

    static func records(_ output: String) throws -> [Record] {
        try output.split(separator: "\n").map { try JSONDecoder().decode(Record.self, from: Data($0.utf8)) }
    }

    /// `nexus bench ARGUMENTS --quick --json`, which must succeed; its records and stderr. The
    /// timeout only guards against a hang: under AddressSanitizer on 2 loaded cores `bench ppo
    /// --quick` took over the default 120 s (CI, 2026-12-07: its in-process run alone 64 s).
    static func benchRecords(_ arguments: [String]) async throws -> (records: [Record], stderr: String) {
        let result = try await NexusProcess.run(["bench"] + arguments + ["--quick", "--json"], timeout: 900)
        #expect(result.status == 0, "\(result.stderr)")
        return (try records(result.stdout), result.stderr)
    }

    @Test("bench ppo --json: records alone on stdout, each training run's progress on stderr")
    func benchProgress() async throws {
        let (records, stderr) = try await Self.benchRecords(["ppo"])
        #expect(records.contains { $0.metric == "env_steps_per_s" && $0.value > 0 })
        #expect(stderr.contains("ppo: ppo on CartPole-v1, seed 1: "), "\(stderr)")
    }

    @Test("bench gail-throughput --json: GAIL on gym:HalfCheetah-v5 through the cluster with imitation's settings, its rate against the recorded reference")
    func benchGailThroughput() async throws {
        let expert = ClusterRenderTests.root.appendingPathComponent("benchmarks/experts/HalfCheetah-v5.nxckpt").path
        let (records, stderr) = try await Self.benchRecords(["gail-throughput", "--python", PythonExpertTests.python, "--expert-policy", expert])
        #expect(records.map(\.case) == ["gail_HalfCheetah-v5"] && records.allSatisfy { $0.value > 0 && $0.baseline == 1014 }, "\(stderr)")
        // The workers stop once 16,384 steps are in; a round under way may add some.
        let collected = stderr.split(separator: "\n").first { $0.hasPrefix("nexus GAIL seed 1: ") }.flatMap { Int($0.split(separator: " ")[4]) }
        #expect(try #require(collected, "\(stderr)") >= 16_384)
    }

    @Test("bench wire --json prints one record per line, with a baseline and its ratio")
    func benchWireJSON() async throws {
        let records = try await Self.benchRecords(["wire"]).records
        #expect(records.map { "\($0.case) \($0.metric)" } == [
            "trajectory_1000x17 encode", "trajectory_1000x17 decode", "weights_99k encode", "weights_99k decode",
        ])
        for record in records {
            #expect(record.bench == "wire")
            #expect(record.unit == "MB/s")
            #expect(record.value > 0 && record.baseline > 0)
            #expect(abs(record.ratio - record.value / record.baseline) <= 1e-4 * record.ratio)
        }
    }

    @Test("bench transport --json measures Nexus and raw libzmq in the same run")
    func benchTransportJSON() async throws {
        let records = try await Self.benchRecords(["transport", "--filter", "_4KiB"]).records
        #expect(records.map(\.metric) == ["messages_per_s", "throughput"])
        #expect(records.allSatisfy { $0.case == "push_pull_4KiB" && $0.value > 0 && $0.baseline > 0 })
    }

    @Test("bench nn --json reports inference against raw sgemm and names the verified BLAS kernel")
    func benchNNJSON() async throws {
        let (records, stderr) = try await Self.benchRecords(["nn", "--filter", "infer_4-64-64-2_b1"])
        #expect(records.map { "\($0.case) \($0.metric) \($0.unit)" } == ["infer_4-64-64-2_b1 forward_time us"])
        #expect(records.allSatisfy { $0.value > 0 && $0.baseline > 0 })
        #expect(stderr.contains("OpenBLAS kernel") && stderr.contains("verified"))
    }

    @Test("bench expert --json reports throughput and round trips against raw libzmq")
    func benchExpertJSON() async throws {
        let records = try await Self.benchRecords(["expert"]).records
        #expect(records.map { "\($0.case) \($0.metric)" } == ["throughput_8_workers states_per_s", "round_trip p50", "round_trip p99"])
        #expect(records.allSatisfy { $0.value > 0 && $0.baseline > 0 })
    }

    @Test("env trace prints the documented CSV and stops at the first terminating step")
    func envTrace() async throws {
        let result = try await NexusProcess.run(["env", "trace", "--env", "CartPole-v1", "--state", "0,0,0.2,0", "--actions", "0,0,0,0,0,0,0,0,0,0"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "step,obs_0,obs_1,obs_2,obs_3,reward,terminated,truncated")
        // The pole leans 0.2 rad to the right and the cart pushes left: it passes 12° within a few steps.
        let last = try #require(lines.last).split(separator: ",")
        #expect(last[6] == "1" && last[7] == "0")
        #expect(lines.count < 11)
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.hasSuffix(",1.0,0,0") })
    }

    @Test("env trace: a bad id, a state of the wrong length or an unparsable action is one line on stderr and exit status 64 (bad input, as everywhere)",
          arguments: [
            (["--env", "Nope-v0", "--state", "1", "--actions", "1"], "unknown environment \"Nope-v0\""),
            (["--env", "Pendulum-v1", "--state", "1,2,3", "--actions", "1"], "Pendulum-v1 takes a state of 2 finite numbers (theta,theta_dot), got 3"),
            (["--env", "MountainCar-v0", "--state", "-0.5,0", "--actions", "1,3"], "action \"3\" is not one of 0..2 for MountainCar-v0"),
            (["--env", "Pendulum-v1", "--state", "0,0", "--actions", "1,left"], "action \"left\" is not a finite number for Pendulum-v1"),
          ])
    func envTraceBadInput(arguments: [String], message: String) async throws {
        let result = try await NexusProcess.run(["env", "trace"] + arguments)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("env list names every environment with its limits and its default target")
    func envList() async throws {
        let result = try await NexusProcess.run(["env", "list"])
        #expect(result.status == 0)
        for id in ["CartPole-v1", "Pendulum-v1", "MountainCarContinuous-v0", "MountainCar-v0", "Acrobot-v1"] {
            #expect(result.stdout.contains(id))
        }
        #expect(result.stdout.contains("999"))
        // The target a run stops at by default, Pendulum's too (Gymnasium registers none).
        #expect(result.stdout.contains("-200.0 (no registered threshold)") && result.stdout.contains("475.0"), "\(result.stdout)")
    }

    @Test("bench env --json reports steps per second against the bare loop")
    func benchEnvJSON() async throws {
        let records = try await Self.benchRecords(["env", "--filter", "single_MountainCar-v0"]).records
        #expect(records.map { "\($0.case) \($0.metric) \($0.unit)" } == ["single_MountainCar-v0 steps_per_s steps/s"])
        #expect(records.allSatisfy { $0.value > 0 && $0.baseline > 0 })
    }

    @Test("eval --expert --json prints one object with the returns")
    func evalJSON() async throws {
        let result = try await NexusProcess.run(["eval", "--env", "CartPole-v1", "--expert", "--episodes", "5", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        struct Summary: Decodable { var env: String; var episodes: Int; var mean_return: Double; var std_return: Double; var min_return: Double; var max_return: Double; var mean_length: Double }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(result.stdout.utf8))
        #expect(summary.env == "CartPole-v1" && summary.episodes == 5 && summary.mean_return == 500 && summary.mean_length == 500)
        let missing = try await NexusProcess.run(["eval", "--env", "CartPole-v1"])
        #expect(missing.status == 64 && missing.stderr.contains("--expert or --policy"))
        let noFile = try await NexusProcess.run(["eval", "--env", "CartPole-v1", "--policy", "/nonexistent.ckpt"])
        #expect(noFile.status == 64 && noFile.stderr.contains("cannot read policy file /nonexistent.ckpt"))
    }

    @Test("demos record writes expert episodes that demos info summarises; a truncated file is refused with exit status 64; an existing --out is kept unless --overwrite")
    func demosRecordAndInfo() async throws {
        let path = NSTemporaryDirectory() + "nexus-cli-\(UUID().uuidString).nxdemo"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let record = try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "3", "--out", path])
        #expect(record.status == 0, "\(record.stderr)")
        let info = try await NexusProcess.run(["demos", "info", path])
        #expect(info.status == 0 && info.stdout.contains("3 episodes, 1500 steps, return mean 500.00"))
        let again = try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "1", "--out", path])
        #expect(again.status == 64 && again.stderr.contains("\(path) exists") && again.stderr.contains("--overwrite"), "\(again.stderr)")
        #expect(try DemonstrationFile.read(from: path).episodes.count == 3, "the refused recording left the file alone")
        let replaced = try await NexusProcess.run(["demos", "record", "--env", "CartPole-v1", "--episodes", "2", "--out", path, "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try DemonstrationFile.read(from: path).episodes.count == 2)
        let bytes = Data(try FileBytes.read(path))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: path))
        let truncated = try await NexusProcess.run(["demos", "info", path])
        #expect(truncated.status == 64 && truncated.stderr.contains("cut short"), "\(truncated.stderr)")
    }

    @Test("report refuses what is not a run, naming it; demos record shows its progress on standard error")
    func reportRefusalsAndRecordProgress() async throws {
        let directory = NSTemporaryDirectory() + "nexus-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = try await NexusProcess.run(["report", directory + "/nothing", "--out", directory + "/r.html"])
        #expect(missing.status == 64 && missing.stderr.contains("run directory \(directory)/nothing does not exist"), "\(missing.stderr)")
        let empty = try await NexusProcess.run(["report", directory, "--out", directory + "/r.html"])
        #expect(empty.status == 64 && empty.stderr.contains("nothing to report: \(directory): no metrics.csv"), "\(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/r.html"))
        let record = try await NexusProcess.run(["demos", "record", "--env", "Pendulum-v1", "--episodes", "4", "--out", directory + "/p.nxdemo"])
        #expect(record.stderr.contains("recording Pendulum-v1: episode 4/4, 800 steps"), "\(record.stderr)")
        #expect(record.stdout.contains("wrote \(directory)/p.nxdemo: Pendulum-v1, 4 episodes, 800 steps"))
    }

    @Test("a metrics.port another program holds is refused at once, naming the port and the reason")
    func metricsPortInUse() async throws {
        let held = try listenOnFreeTCPPort()
        defer { close(held.descriptor) }
        let expert = try await NexusProcess.run(["expert", "--env", "CartPole-v1", "--bind", "tcp://127.0.0.1:*", "--set", "metrics.port=\(held.port)"], timeout: 30)
        #expect(expert.status != 0)
        #expect(expert.stderr.contains("cannot listen for /metrics on 127.0.0.1:\(held.port) (metrics.port, metrics.bind): Address already in use"), "\(expert.stderr)")
    }

    @Test("config keys lists every key with its default and help (an algorithm's own and the common ones); train --help points at it; a misspelt algorithm is refused with the nearest")
    func configKeys() async throws {
        let every = try await NexusProcess.run(["config", "keys", "--json"])
        #expect(every.status == 0, "\(every.stderr)")
        let objects = try every.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        let keys = objects.compactMap { $0["key"] as? String }
        #expect(keys.count > 100 && Set(keys).count == keys.count)
        #expect(keys.contains("mega.beta_mixture") && keys.contains("ppo.gae_lambda") && keys.contains("launcher.max_learner_restarts"))
        #expect(objects.allSatisfy { ($0["help"] as? String)?.isEmpty == false && $0["default"] is String })
        let activation = objects.first { $0["key"] as? String == "policy.activation" }
        #expect(activation?["choices"] as? [String] == ["tanh", "relu"])

        // PPO's tuned defaults for the environment, its own sections and not others'.
        let ppo = try await NexusProcess.run(["config", "keys", "ppo", "--env", "Pendulum-v1"])
        #expect(ppo.status == 0)
        #expect(ppo.stdout.contains("ppo.gamma = 0.9\n") && ppo.stdout.contains("[ppo]") && !ppo.stdout.contains("mega.") && !ppo.stdout.contains("dagger."))
        #expect(ppo.stdout.contains("target_return = -200.0"))
        // A gym: MuJoCo robot's family defaults and unsafe region; --python describes it (its threshold).
        let hopper = try await NexusProcess.run(["config", "keys", "ppo", "--env", "gym:Hopper-v5", "--python", PythonExpertTests.python])
        #expect(hopper.status == 0, "\(hopper.stderr)")
        #expect(hopper.stdout.contains("ppo.gamma = 0.99\n") && hopper.stdout.contains("target_return = 3800.0") && hopper.stdout.contains("obs[0] < 0.7"))

        // Every algorithm's keys, those that learn from a demonstration file included: listing
        // keys needs no run's inputs (airl's once refused for want of --demos).
        for algo in ["bc", "dagger", "mega-dagger", "gail", "airl", "ppo"] {
            let listed = try await NexusProcess.run(["config", "keys", algo])
            #expect(listed.status == 0 && listed.stdout.contains("keys for \(algo) on"), "\(algo): \(listed.stderr)")
        }
        #expect(try await NexusProcess.run(["config", "keys", "gail"]).stdout.contains("adversarial.state_only_reward"))

        let misspelt = try await NexusProcess.run(["config", "keys", "dager"])
        #expect(misspelt.status == 64)
        #expect(misspelt.stderr.contains("unknown algorithm dager") && misspelt.stderr.contains("did you mean dagger?"), "\(misspelt.stderr)")

        let train = try await NexusProcess.run(["train", "--help"])
        let flat = train.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("nexus config keys [ALGO]` lists each with its default and help") && flat.contains("mega (23)"), "\(train.stdout)")
    }
}
