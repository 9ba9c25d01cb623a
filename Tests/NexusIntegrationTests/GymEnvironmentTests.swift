import Foundation
import Logging
import NexusEnvironments
import NexusRuntime
import NexusTestKit
import NexusWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--env gym:ID`: a Gymnasium environment stepped by `python -m nexusrl env` next to each
/// worker and the learner, through the real cluster (the tests' venv has gymnasium and
/// nexusrl; Tests/Tools has the test experts and environments).
@Suite("Gymnasium environments", .serialized)
struct GymEnvironmentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appendingPathComponent(".build-tools/venv/bin/python").path
    static let environment = ["PYTHONPATH": root.appendingPathComponent("python").path + ":" + root.appendingPathComponent("Tests/Tools").path]

    /// `nexus bench --json` output: one record a line.
    static func benchRecords(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func requirePython() throws {
        try #require(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: run .ci/install-deps")
    }

    @Test("gym:CartPole-v1 with a Python callable as the expert: DAgger through the cluster, 4 workers, reaches 475")
    func daggerOnGymCartPole() async throws {
        try Self.requirePython()
        let run = try await ClusterRun.train(
            ["--algo", "dagger", "--env", "gym:CartPole-v1", "--python", Self.python, "--expert-python", "cartpole_expert:act", "--workers", "4", "--seed", "1"],
            environment: Self.environment)
        #expect(await run.finish(within: 300) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.flag("reached_target") == true, "\(run.outputText)")
        #expect(try #require(summary.number("eval_return_mean")) >= 475)
        // The target is Gymnasium's registry threshold, asked of the environment.
        #expect(summary.number("target_return") == 475)
        #expect(summary.number("env_failures") == 0)
        #expect(summary.number("rejected_messages") == 0)
        for worker in 1...4 { #expect(run.log("worker-\(worker)").contains("env=gym:CartPole-v1"), "\(run.log("worker-\(worker)"))") }
    }

    @Test("an environment that raises in step and in reset, returns NaN or the wrong shape, dies or hangs: each counted (env_failures), its server restarted, the run reaches 475",
          arguments: ["worker", "learner"])
    func environmentFaults(in role: String) async throws {
        try Self.requirePython()
        let markers = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-gym-faults-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
        let kinds = ["raise", "reset", "nan", "shape", "die", "hang"]
        let run = try await ClusterRun.train(
            ["--algo", "dagger", "--env", "gym:faulty_envs:FaultyCartPole-v0", "--python", Self.python, "--expert-python", "cartpole_expert:act",
             "--workers", "2", "--seed", "2", "--env-kwarg", "faults=\(kinds.joined(separator: ","))", "--env-kwarg", "markers=\(markers)", "--env-kwarg", "every=30", "--env-kwarg", "only_in=\(role)",
             "--set", "worker.env_timeout_seconds=3"] + ClusterTrainingTests.longRun,
            environment: Self.environment)
        // Every fault fired (its marker taken) ...
        let fired = { kinds.filter { FileManager.default.fileExists(atPath: markers + "/" + $0) } }
        #expect(await ClusterRun.waitUntil(seconds: 240) { fired().count == kinds.count }, "fired: \(fired())\n\(run.outputText)")
        // ... and was counted (workers report theirs in heartbeats) ...
        let probe = try run.learnerStatus()
        let counted = await ClusterRun.status(of: probe, within: 60) { ($0[metric: "env_failures"] ?? 0) >= Double(kinds.count) }
        #expect((counted?[metric: "env_failures"] ?? 0) >= Double(kinds.count), "learner status: \(String(describing: counted))")
        await probe.close()
        // ... then training goes on to the target.
        let rowsAfterFaults = run.metricsRows.count
        #expect(await ClusterRun.waitUntil(seconds: 300) { run.evaluated(atLeast: 475, after: rowsAfterFaults) }, "no evaluation of 475 after the faults")
        #expect(try await run.stop(reason: ClusterTrainingTests.stopReason, within: 180) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(ClusterTrainingTests.stoppedByTest(summary), "\(summary["finish_reason"] ?? "")")
        #expect(try #require(summary.number("env_failures")) >= Double(kinds.count), "\(summary)")
        #expect(summary.number("worker_restarts") == 0 && summary.number("learner_restarts") == 0, "\(summary)")
        let logs = run.log("learner") + (1...2).map { run.log("worker-\($0)") }.joined()
        for reason in ["step fails on purpose", "reset fails on purpose", "non-finite", "no reply from the environment in 3 s", "the environment process exited with status 3"] {
            #expect(logs.contains(reason), "\(reason) not logged:\n\(logs.suffix(4000))")
        }
        try? FileManager.default.removeItem(atPath: markers)
    }

    @Test("a gym: environment that cannot be made (no such id, a module that does not import, a space Nexus does not take, no gymnasium) is refused before anything starts, with Python's reason")
    func refusedBeforeStart() async throws {
        try Self.requirePython()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-gym-refused-\(UUID().uuidString)").path
        let cases: [(String, String, String)] = [
            ("gym:NoSuchEnv-v0", Self.python, "NameNotFound"),
            ("gym:no_such_module:Thing-v0", Self.python, "No module named 'no_such_module'"),
            ("gym:faulty_envs:Boxes-v0", Self.python, "is not a Box"),
            ("gym:CartPole-v1", "/usr/bin/python3", "has no"),
            ("gym:", Self.python, "names no environment"),
        ]
        for (index, (env, python, reason)) in cases.enumerated() {
            try await Self.expectRefusedBeforeStart(env: env, python: python, expert: "cartpole_expert:act", reason: reason, directory: scratch + "/run-\(index)")
        }
    }

    /// `nexus train` of DAgger on `env` with `expert` exits 64 saying `reason`, and leaves no run directory.
    static func expectRefusedBeforeStart(env: String, python: String, expert: String, reason: String, directory: String) async throws {
        let result = try await NexusProcess.run(
            ["train", "--algo", "dagger", "--env", env, "--python", python, "--expert-python", expert, "--run-dir", directory],
            timeout: 120, environment: python == Self.python ? Self.environment : ["PYTHONPATH": ""])
        #expect(result.status == 64 && result.stderr.contains(reason), "\(env) \(expert): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory), "\(env) \(expert): the run directory was created")
    }

    @Test("a Python expert that raises or answers in the wrong shape is refused before anything starts, asked about the environment's first states (a gym: one's, or a built-in one's)")
    func brokenExpertRefusedBeforeStart() async throws {
        try Self.requirePython()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-expert-refused-\(UUID().uuidString)").path
        let cases = [
            ("gym:CartPole-v1", "broken", "failed on 4 of the first observations of CartPole-v1: RuntimeError: broken on purpose (at "),
            ("CartPole-v1", "broken", "failed on 4 of the environment's first observations: RuntimeError: broken on purpose"),
            ("gym:CartPole-v1", "wide", "the expert returned an array of shape [4, 3] for 4 observations; expected [4] or [4, 1] indices"),
        ]
        for (index, (env, expert, reason)) in cases.enumerated() {
            try await Self.expectRefusedBeforeStart(
                env: env, python: Self.python, expert: "cartpole_expert:\(expert)", reason: reason, directory: scratch + "/run-\(index)")
        }
    }

    @Test("a relative PYTHONPATH (PYTHONPATH=. with the user's own module) reaches the environment servers, which run in folders of their own: DAgger on gym:MODULE:ID reaches 475")
    func relativePythonPath() async throws {
        try Self.requirePython()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-gym-relative-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // Run from Tests/, the test environments named relative to it.
        let result = try await NexusProcess.run(
            ["train", "--algo", "dagger", "--env", "gym:faulty_envs:FaultyCartPole-v0", "--python", Self.python, "--expert-python", "cartpole_expert:act",
             "--workers", "2", "--seed", "1", "--max-seconds", "120", "--run-dir", scratch + "/run"],
            timeout: 240, environment: ["PYTHONPATH": Self.root.appendingPathComponent("python").path + ":Tools"], directory: Self.root.appendingPathComponent("Tests").path)
        #expect(result.status == 0 && result.stdout.contains("reached target return 475"), "\(result.stdout.suffix(2000))\n\(result.stderr.suffix(4000))")
    }

    @Test("an environment every worker's server fails to make (the check before the run passes): each crash's cause on the console, then, every worker left down, the run fails with it (status 1, no usage line)")
    func everyWorkerDown() async throws {
        try Self.requirePython()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-gym-down-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = try await NexusProcess.run(
            ["train", "--algo", "dagger", "--env", "gym:faulty_envs:FaultyCartPole-v0", "--python", Self.python, "--expert-python", "cartpole_expert:act",
             "--env-kwarg", "faults=make", "--env-kwarg", "only_in=worker", "--workers", "2", "--set", "launcher.max_worker_restarts=1",
             "--max-seconds", "200", "--run-dir", scratch + "/run"],
            timeout: 240, environment: Self.environment)
        let cause = "the environment cannot be made here, on purpose"
        #expect(result.status == 1, "status \(result.status)\n\(result.stderr.suffix(4000))")
        #expect(result.stderr.contains("exited with status 1 (env gym:faulty_envs:FaultyCartPole-v0: RuntimeError: \(cause)"), "\(result.stderr.suffix(4000))")
        #expect(result.stderr.contains("Error: every worker crashed and was restarted 1 times") && !result.stderr.contains("Usage:"), "\(result.stderr.suffix(4000))")
    }

    @Test("idle copies of gym:CartPole-v1 sit out steps in the Python server: state and episode as they were, back in where they stopped")
    func idleCopiesSitOut() async throws {
        try Self.requirePython()
        let spec = try GymEnvironments.spec("gym:CartPole-v1", kwargs: [:], python: Self.python)
        let server = try EnvironmentServer(.init(env: "gym:CartPole-v1", kwargs: [:], python: Self.python, copies: 3, timeoutSeconds: 60, concurrentLoops: 1), logger: Logger(label: "test"))
        var vector = try await PythonVectorEnvironment.start(server: server, spec: spec, seed: 3)
        let start = Array(vector.observations[4..<8])
        var endedOthers = 0
        for step in 0..<80 {
            try await vector.step(stepping: (0..<3).map { Float(($0 + step / 5) % 2) }, idle: [false, true, false])
            #expect(Array(vector.observations[4..<8]) == start, "step \(step): the idle copy moved")
            #expect(vector.rewards[1] == 0 && !vector.terminated[1] && !vector.truncated[1] && vector.completedLengths[1] == 0)
            endedOthers += [0, 2].filter { vector.terminated[$0] }.count
        }
        #expect(endedOthers > 3)
        var length = 0
        while length < 500 {
            try await vector.step(stepping: [0, Float(length % 2), 0], idle: [true, false, true])
            length += 1
            if vector.terminated[1] || vector.truncated[1] { break }
        }
        #expect(vector.completedLengths[1] == length && length < 500)
        await server.close()
    }

    @Test("--env-kwarg values reach gymnasium.make as JSON or as the Python literal a Gymnasium user writes: False, like false, is a boolean, not a truthy string")
    func keywordArgumentLiterals() throws {
        try Self.requirePython()
        let full = try GymEnvironments.spec("gym:Ant-v5", kwargs: [:], python: Self.python)
        for text in ["false", "False"] {
            let spec = try GymEnvironments.spec("gym:Ant-v5", kwargs: ["include_cfrc_ext_in_observation": text], python: Self.python)
            #expect(spec.observationDim == 27 && full.observationDim == 105, "include_cfrc_ext_in_observation=\(text): \(spec.observationDim) of \(full.observationDim)")
        }
    }

    @Test("gym:CartPole-v1 through the bridge ends episodes where Nexus's CartPole-v1 does: each step replayed on the built-in environment terminates alike, truncation comes at step 500, final observations are the step's")
    func sameEpisodeEnds() async throws {
        try Self.requirePython()
        let spec = try GymEnvironments.spec("gym:CartPole-v1", kwargs: [:], python: Self.python)
        #expect(spec.observationDim == 4 && spec.actionSpace == .discrete(2) && spec.maxEpisodeSteps == 500 && spec.rewardThreshold == 475)
        let server = try EnvironmentServer(.init(env: "gym:CartPole-v1", kwargs: [:], python: Self.python, copies: 4, timeoutSeconds: 60, concurrentLoops: 1), logger: Logger(label: "test"))
        var vector = try await PythonVectorEnvironment.start(server: server, spec: spec, seed: 11)
        var lengths = [Int](repeating: 0, count: 4)
        var (terminations, truncations) = (0, 0)
        for step in 0..<3000 {
            let before = vector.observations
            // The linear rule balances for 500 steps; copies 2 and 3 drift off it at times,
            // so that episodes both terminate and reach the time limit.
            let actions: [Float] = (0..<4).map { copy in
                let o = before[(copy * 4)..<(copy * 4 + 4)].map { $0 }
                let rule: Float = o[2] + 0.5 * o[3] > 0 ? 1 : 0
                return copy >= 2 && (step / 50 + copy) % 5 == 0 ? 1 - rule : rule
            }
            try await vector.step(stepping: actions)
            for copy in 0..<4 {
                lengths[copy] += 1
                var builtin = CartPole()
                builtin.state = before[(copy * 4)..<(copy * 4 + 4)].map { Double($0) }
                let (reward, terminated) = builtin.step([actions[copy]])
                #expect(reward == vector.rewards[copy])
                #expect(terminated == vector.terminated[copy], "copy \(copy) step \(step): built-in \(terminated), Gymnasium \(vector.terminated[copy])")
                #expect(vector.truncated[copy] == (!terminated && lengths[copy] == 500), "copy \(copy) length \(lengths[copy])")
                if vector.terminated[copy] || vector.truncated[copy] {
                    let final = Array(vector.finalObservations[(copy * 4)..<(copy * 4 + 4)])
                    #expect(zip(final, builtin.observation()).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(final) vs \(builtin.observation())")
                    #expect(vector.completedLengths[copy] == lengths[copy])
                    if vector.terminated[copy] { terminations += 1 } else { truncations += 1 }
                    lengths[copy] = 0
                }
            }
        }
        #expect(terminations > 0 && truncations > 0, "terminations \(terminations), truncations \(truncations)")
        await server.close()
    }

    @Test("bench env --env gym:CartPole-v1 --json: the bridge with 1, 2 and 4 workers against Gymnasium's SyncVectorEnv measured in the same run")
    func benchEnvBridge() async throws {
        try Self.requirePython()
        let result = try await NexusProcess.run(
            ["bench", "env", "--env", "gym:CartPole-v1", "--python", Self.python, "--quick", "--json"], timeout: 300, environment: Self.environment)
        #expect(result.status == 0, "\(result.stderr)")
        let records = Self.benchRecords(result.stdout)
        #expect(records.map { "\($0["bench"] ?? "") \($0["case"] ?? "") \($0["metric"] ?? "")" }
            == [1, 2, 4].map { "env bridge_CartPole-v1_workers\($0) steps_per_s" }, "\(result.stdout)")
        #expect(records.allSatisfy { (($0["value"] as? NSNumber)?.doubleValue ?? 0) > 0 && (($0["baseline"] as? NSNumber)?.doubleValue ?? 0) > 0 }, "\(result.stdout)")
    }

    @Test("bench e2e --gym --quick: DAgger's expert queries to 475 on gym:CartPole-v1 against Nexus's CartPole-v1 with the same Python expert, in one run")
    func benchEndToEndGym() async throws {
        try Self.requirePython()
        let result = try await NexusProcess.run(
            ["bench", "e2e", "--gym", "--python", Self.python, "--expert-python", "cartpole_expert:act", "--quick", "--json"], timeout: 300, environment: Self.environment)
        #expect(result.status == 0, "\(result.stderr)")
        let records = Self.benchRecords(result.stdout)
        #expect(records.map { "\($0["case"] ?? "") \($0["metric"] ?? "")" }
            == ["expert_queries_to_475_median", "env_steps_to_475_median", "seconds_to_475_median"].map { "dagger_gym-CartPole-v1_4_workers \($0)" }, "\(result.stdout)")
        #expect(records.allSatisfy { (($0["value"] as? NSNumber)?.doubleValue ?? 0) > 0 && (($0["baseline"] as? NSNumber)?.doubleValue ?? 0) > 0 })
    }

    @Test("MEGA-DAgger on gym:CartPole-v1 (no unsafe region known): reaches 475 and, gated after its first iteration, asks the expert for fewer states than it steps, and says it runs without a safety lookahead")
    func megaDAggerOnGym() async throws {
        try Self.requirePython()
        let run = try await ClusterRun.train(
            ["--algo", "mega-dagger", "--env", "gym:CartPole-v1", "--python", Self.python, "--expert-python", "cartpole_expert:act", "--workers", "2", "--seed", "1",
             // Past the target, so that the gate (from the second iteration on) runs too.
             "--set", "stop_at_target=false", "--set", "training.max_iterations=4"],
            environment: Self.environment)
        #expect(await run.finish(within: 300) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(summary.flag("reached_target") == true, "\(run.outputText)")
        // The first iteration steps only the expert's copies (each step a query); the gated
        // iterations after it ask for a fraction of their steps.
        let (queries, steps) = (try #require(summary.number("expert_queries")), try #require(summary.number("env_steps")))
        #expect(queries < steps, "\(queries) queries for \(steps) steps")
        #expect(run.log("learner").contains("declares no unsafe region: MEGA-DAgger runs with its query gate and no safety lookahead"), "\(run.log("learner"))")
        #expect(summary.number("unsafe_events") == 0, "CartPole reports no info[\"unsafe\"]: nothing can count")
        #expect(run.metricsRows.allSatisfy { Double($0["safety_takeovers"] ?? "") == 0 }, "a lookahead with no region handed copies to the expert")
    }

    /// CartPole-v1's own unsafe region (|x| > 1.92 or |θ| > 0.8 · 12°), as a user declares it.
    static let cartPoleRegion = #"unsafe_region=["obs[0] < -1.92", "obs[0] > 1.92", "obs[2] < -0.16755", "obs[2] > 0.16755"]"#

    @Test("steps into a declared unsafe region are counted as the built-in CartPole's are: PPO's first iteration (an untrained policy) on gym:CartPole-v1 with CartPole's region declared and on CartPole-v1 enters it about as often per step")
    func declaredRegionCountsUnsafeEvents() async throws {
        try Self.requirePython()
        var rates: [String: Double] = [:]
        for env in ["gym:CartPole-v1", "CartPole-v1"] {
            // An untrained policy drops the pole every twenty steps or so: each fall passes the
            // region. The two get different PPO defaults (samples per iteration): compare per step.
            let run = try await ClusterRun.train(
                ["--algo", "ppo", "--env", env, "--python", Self.python, "--workers", "1", "--seed", "3", "--set", "stop_at_target=false",
                 "--set", "training.max_iterations=1"] + (env.hasPrefix("gym:") ? ["--set", Self.cartPoleRegion] : []),
                environment: Self.environment)
            #expect(await run.finish(within: 300) == 0, "\(run.outputText)")
            let first = try #require(run.metricsRows.first)
            let (events, steps) = (try #require(Double(first["unsafe_events"] ?? "")), try #require(Double(first["env_steps"] ?? "")))
            #expect(events >= 10, "\(env): \(events) unsafe events in \(steps) steps")
            rates[env] = events / steps
        }
        let (gym, builtIn) = (rates["gym:CartPole-v1"] ?? 0, rates["CartPole-v1"] ?? 0)
        #expect(gym > 0 && builtIn > 0 && gym <= 1.5 * builtIn && builtIn <= 1.5 * gym, "unsafe events per env step: \(rates)")
    }

    @Test("MEGA-DAgger on gym:CartPole-v1 with an unsafe region declared: the learner names it, the safety lookahead hands copies to the expert by it, the run reaches 475")
    func megaDAggerWithDeclaredRegion() async throws {
        try Self.requirePython()
        // Far tighter than CartPole's own, so that the lookahead meets it while the policy
        // learns and after: at ±0.05 a policy at 500 by the second iteration kept the pole
        // inside it, and the lookahead fired 2–4 times a run (0 in one run under load).
        let run = try await ClusterRun.train(
            ["--algo", "mega-dagger", "--env", "gym:CartPole-v1", "--python", Self.python, "--expert-python", "cartpole_expert:act", "--workers", "2", "--seed", "1",
             "--set", #"unsafe_region=["obs[2] < -0.02", "obs[2] > 0.02"]"#, "--set", "stop_at_target=false", "--set", "training.max_iterations=5"],
            environment: Self.environment)
        #expect(await run.finish(within: 300) == 0, "\(run.outputText)")
        // The gate and its lookahead act from the second iteration on (the first is DAgger's).
        #expect(run.evaluated(atLeast: 475), "\(run.metricsRows.map { $0["eval_return_mean"] ?? "-" })")
        #expect(run.log("learner").contains("gym:CartPole-v1's unsafe region: obs[2] < -0.02 or obs[2] > 0.02; MEGA-DAgger's safety lookahead judges imagined states by it"),
                "\(run.log("learner"))")
        let takeovers = run.metricsRows.compactMap { Double($0["safety_takeovers"] ?? "") }.reduce(0, +)
        #expect(takeovers > 0, "the lookahead never handed a copy to the expert: \(run.metricsRows.map { $0["safety_takeovers"] ?? "-" })")
    }

    @Test("an unsafe_region naming a dimension the environment lacks is refused before anything starts")
    func regionPastTheObservation() async throws {
        try Self.requirePython()
        let result = try await NexusProcess.run(
            ["train", "--algo", "mega-dagger", "--env", "gym:CartPole-v1", "--python", Self.python, "--expert-python", "cartpole_expert:act",
             "--set", #"unsafe_region=["obs[4] > 1"]"#, "--run-dir", FileManager.default.temporaryDirectory.appendingPathComponent("nexus-region-\(UUID().uuidString.prefix(8))").path],
            timeout: 120, environment: Self.environment)
        #expect(result.status == 64 && result.stderr.contains("config key \"unsafe_region\": \"obs[4] > 1\": the observations have 4 dimensions"), "\(result.stderr)")
    }
}
