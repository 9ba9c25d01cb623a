import Foundation
import NexusTestKit
import Testing

@Suite("Role commands: bad input")
struct RoleCommandTests {
    @Test("bad configuration, endpoints, files and render targets exit 64 naming the key, endpoint, file or target", arguments: [
        (["train", "--set", "worker.envs=0"], "\"worker.envs\" = 0"),
        (["train", "--set", "polcy.hidden_sizes=[8]"], "unknown config key \"polcy\""),
        (["train", "--algo", "bc"], "config key \"demos\""),
        (["train", "--algo", "gail"], "algo gail needs a demonstration file"),
        (["train", "--algo", "sac"], "unknown algorithm (known: bc, dagger, mega-dagger, ppo, gail, airl)"),
        (["train", "--algo", "mega-dagger", "--set", "mega.horizon=500"], "config key \"mega.horizon\" = 500: must be from 0 to 100"),
        (["train", "--algo", "ppo", "--demos", "x.nxdemo"], "algo ppo does not learn from demonstrations"),
        (["train", "--algo", "ppo", "--set", "ppo.gamma=2"], "\"ppo.gamma\" = 2.0"),
        (["train", "--algo", "ppo", "--set", "ppo.clip_range_schedule=cosine"], "must be constant or linear"),
        (["train", "--expert-policy", "/nonexistent/policy.nxckpt"], "cannot read policy file /nonexistent/policy.nxckpt"),
        (["train", "--algo", "ppo", "--reward", "/nonexistent/reward.nxckpt"], "ppo.reward: cannot read /nonexistent/reward.nxckpt"),
        (["train", "--algo", "airl", "--demos", "/nonexistent/d.nxdemo", "--reward", "/tmp/r.nxckpt"], "a learned reward is for --algo ppo"),
        (["train", "--config", "/nonexistent/run.yaml"], "cannot read config file /nonexistent/run.yaml"),
        (["worker", "--learner", "tcp//nowhere"], "--learner: invalid endpoint \"tcp//nowhere\""),
        (["expert", "--env", "Pong-v5"], "unknown environment"),
        (["learner", "--log-level", "loud"], "--log-level loud"),
        (["worker", "--learner", "tcp://127.0.0.1:1", "--worker-id", "0"], "--worker-id 0 is neither a positive number nor auto"),
        (["status", "tcp//x"], "invalid endpoint"),
        (["cluster", "render", "--target", "nomad"], "--target nomad is not k8s or slurm"),
        (["cluster", "render", "--target", "k8s"], "--keys DIR must hold server.key"),
        (["cluster", "render", "--target", "slurm"], "--keys DIR must name the key directory"),
    ])
    func badInput(arguments: [String], message: String) async throws {
        let result = try await NexusProcess.run(arguments, timeout: 60)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    @Test("a learner resumed from a directory without its config, or without a checkpoint, says which")
    func resumeWithoutCheckpoint() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-resume-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let loopback = ["--set", "endpoints.control=tcp://127.0.0.1:*", "--set", "endpoints.trajectories=tcp://127.0.0.1:*",
                        "--set", "endpoints.weights=tcp://127.0.0.1:*"]
        let noConfig = try await NexusProcess.run(["learner", "--resume", directory] + loopback, timeout: 60)
        #expect(noConfig.status == 64)
        #expect(noConfig.stderr.contains("cannot read config file \(directory)/config.yaml"), "\(noConfig.stderr)")
        try "env: CartPole-v1\n".write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        let noCheckpoint = try await NexusProcess.run(["learner", "--resume", directory] + loopback, timeout: 60)
        #expect(noCheckpoint.status == 1)
        #expect(noCheckpoint.stderr.contains("no checkpoint in \(directory)/checkpoints"), "\(noCheckpoint.stderr)")
    }
}
