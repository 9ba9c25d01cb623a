import Foundation
import NexusRuntime
import NexusTestKit
import NexusTransport
import NexusWire
import Testing

/// CurveZMQ through real processes: a run with CURVE everywhere trains, and a client without
/// an allowlisted key gets nothing through.
extension ClusterTrainingTests {
    @Test("a keys directory whose path holds a quote and a space reaches every child intact: each reads its configuration from a file, not a quoted --set")
    func keysPathWithAQuote() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-it's keys-\(UUID().uuidString.prefix(6))").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try await NexusProcess.run(["keys", "generate", folder]).status == 0)
        let run = try await ClusterRun.train(["--env", "CartPole-v1", "--workers", "2", "--set", "security.mode=curve", "--set", "security.keys=\(folder)", "--max-seconds", "120"])
        #expect(await run.finish(within: 180) == 0, "\(run.outputText)")
        #expect(run.summary?["reached_target"] as? Bool == true)
        let worker = ClusterRun.read(run.runDirectory + "/roles/worker.yaml")
        #expect(try ConfigLoader.load(yaml: "", source: "", overlay: run.runDirectory + "/roles/worker.yaml").security.keys == folder, "\(worker)")
    }

    @Test("with security.mode curve, a client with an unknown key or none cannot stop the run or feed it; the refusals are counted")
    func curveRefusesStrangers() async throws {
        let run = try await ClusterRun.train(["--env", "CartPole-v1", "--workers", "2", "--set", "security.mode=curve"] + Self.longRun)
        #expect(await ClusterRun.waitUntil(seconds: 60) { run.endpoints(of: "learner")["control"] != nil && run.metricsRows.count >= 1 })
        let control = try Endpoint(parsing: try #require(run.endpoints(of: "learner")["control"]))
        let trajectories = try Endpoint(parsing: try #require(run.endpoints(of: "learner")["trajectories"]))
        let serverKey = try CurveKey(z85: try String(contentsOfFile: run.runDirectory + "/keys/server.pub", encoding: .utf8))
        var stranger = SocketOptions.default
        stranger.security = .curveClient(try CurveKeyPair.generate(), serverKey: serverKey)
        let intruder = try DealerSocket(connect: [control], options: stranger)
        let plain = try DealerSocket(connect: [control])
        let feeder = try PushSocket(connect: [trajectories], options: stranger)
        let forged = TrajectorySegment(
            workerID: 99, envID: "CartPole-v1", policyVersion: 1, observations: Tensor(rows: 3, columns: 4, data: [Float](repeating: 0, count: 12)),
            actions: Tensor(rows: 2, columns: 1, data: [0, 1]), rewards: [1, 1], terminated: [false, false], truncated: [false, false])
        for _ in 0..<3 {
            _ = try? await withTimeout(seconds: 0.5) { try await intruder.send(.control(.stop(reason: "intruder"))) }
            _ = try? await withTimeout(seconds: 0.5) { try await plain.send(.control(.stop(reason: "plain intruder"))) }
            _ = try? await withTimeout(seconds: 0.5) { try await feeder.send(.trajectory(forged)) }
            try await Task.sleep(for: .milliseconds(300))
        }
        // A real worker whose key the learner does not allow: its hellos are dropped without
        // an answer, and it says why that may be and which key to look for, not merely that
        // no welcome came. The learner's log says CURVE is on.
        let strangerKeys = run.runDirectory + "-stranger-keys"
        defer { try? FileManager.default.removeItem(atPath: strangerKeys) }
        #expect(try await NexusProcess.run(["keys", "generate", strangerKeys]).status == 0)
        try FileManager.default.removeItem(atPath: strangerKeys + "/server.pub")
        try FileManager.default.copyItem(atPath: run.runDirectory + "/keys/server.pub", toPath: strangerKeys + "/server.pub")
        let strangerKey = try String(contentsOfFile: strangerKeys + "/client.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let worker = try await ClusterRun(
            ["worker", "--learner", control.description, "--worker-id", "9", "--set", "security.mode=curve", "--set", "security.keys=\(strangerKeys)"],
            runDirectory: run.runDirectory + "-stranger-keys", logName: "worker")
        #expect(await ClusterRun.waitUntil(seconds: 60) { worker.outputText.contains("CurveZMQ is on") }, "\(worker.outputText)")
        #expect(worker.outputText.contains(strangerKey) && worker.outputText.contains("allowed_clients"), "\(worker.outputText)")
        kill(worker.pid, SIGTERM)
        _ = await worker.finish(within: 60)
        #expect(run.log("learner").contains("CurveZMQ on for"), "the learner's log does not say CURVE is on")
        // `nexus status RUN_DIR` finds the learner and its keys from the run directory alone.
        let live = try await NexusProcess.run(["status", run.runDirectory, "--json"])
        #expect(live.status == 0 && live.stdout.contains("\"role\" : \"learner\""), "\(live.stdout) \(live.stderr)")
        // The refusals are counted (read with the run's own keys) while the strangers are
        // still connected; training goes on to the target; then the test stops the run.
        let keys = run.runDirectory + "/keys"
        let probe = try run.learnerStatus(keys: keys)
        let counted = await ClusterRun.status(of: probe, within: 60) { ($0[metric: "auth_failures"] ?? 0) >= 3 }
        #expect((counted?[metric: "auth_failures"] ?? 0) >= 3, "learner status: \(String(describing: counted))")
        await probe.close()
        await intruder.close()
        await plain.close()
        await feeder.close()
        #expect(await ClusterRun.waitUntil(seconds: 300) { run.evaluated(atLeast: 475) }, "no evaluation of 475")
        #expect(try await run.stop(reason: Self.stopReason, within: 180, keys: keys) == 0, "\(run.outputText)")
        let summary = try #require(run.summary)
        #expect(Self.stoppedByTest(summary), "a stop from outside was obeyed: \(summary["finish_reason"] ?? "")")
        #expect(summary.flag("reached_target") == true)
        // The unknown key (refused by the ZAP handler, control and trajectories) and the plain
        // client (its handshake fails on the mechanism) are all counted.
        #expect(try #require(summary.number("auth_failures")) >= 3)
        #expect(summary.number("rejected_messages") == 0, "a forged segment got through to decoding")
        let over = try await NexusProcess.run(["status", run.runDirectory])
        #expect(over.status == 0 && over.stdout.hasPrefix("finished: ") && over.stdout.contains("reached_target true"), "\(over.stdout) \(over.stderr)")
    }
}

extension ClusterTrainingTests {
    @Test("a Python expert with security.mode curve serves over CurveZMQ: DAgger reaches 475 through it; a client with an unknown key or none gets no answer, and the expert counts both")
    func pythonExpertOverCurve() async throws {
        try GymEnvironmentTests.requirePython()
        let run = try await ClusterRun.train(
            ["--env", "CartPole-v1", "--workers", "2", "--python", GymEnvironmentTests.python, "--expert-python", "cartpole_expert:act",
             "--set", "security.mode=curve"] + Self.longRun,
            environment: GymEnvironmentTests.environment)
        #expect(await ClusterRun.waitUntil(seconds: 120) { run.endpoints(of: "expert")["expert"] != nil && run.metricsRows.count >= 1 }, "\(run.outputText)")
        let endpoint = try Endpoint(parsing: try #require(run.endpoints(of: "expert")["expert"]))
        let keys = run.runDirectory + "/keys"
        let serverKey = try CurveKey(z85: try String(contentsOfFile: keys + "/server.pub", encoding: .utf8))
        var stranger = SocketOptions.default
        stranger.security = .curveClient(try CurveKeyPair.generate(), serverKey: serverKey)
        let query = ExpertQuery(requestID: 1, workerID: 99, envID: "CartPole-v1", observations: Tensor(rows: 1, columns: 4, data: [0, 0, 0.1, 0]))
        for options in [stranger, SocketOptions.default] {
            let peer = try DealerSocket(connect: [endpoint], options: options)
            _ = try? await withTimeout(seconds: 0.5) { try await peer.send(.expertQuery(query)) }
            let answered = try? await withTimeout(seconds: 2) { try await peer.receiveMessage() }
            #expect(answered == nil, "a client without the run's keys got an answer: \(String(describing: answered))")
            await peer.close()
        }
        var security = RunConfig.SecuritySettings()
        (security.mode, security.keys) = (.curve, keys)
        let probe = try StatusClient(endpoint: endpoint, security: RoleSecurity(security), logger: .init(label: "test"))
        let counted = await ClusterRun.status(of: probe, within: 60) { ($0[metric: "auth_failures"] ?? 0) >= 2 }
        #expect((counted?[metric: "auth_failures"] ?? 0) >= 2 && (counted?[metric: "queries"] ?? 0) > 0, "expert status: \(String(describing: counted))")
        await probe.close()
        #expect(await ClusterRun.waitUntil(seconds: 300) { run.evaluated(atLeast: 475) }, "no evaluation of 475")
        #expect(try await run.stop(reason: Self.stopReason, within: 180, keys: keys) == 0, "\(run.outputText)")
        #expect(run.log("expert").contains("over CurveZMQ (keys \(keys))"), "\(run.log("expert"))")
    }
}
