import Testing

@testable import NexusRuntime

@Suite("Rendered jobs: the files a run names, and the nodes it needs")
struct DeployedFilesTests {
    static func config(_ overrides: [String]) throws -> RunConfig {
        var config = RunConfig()
        config.algo = "bc"
        config.demos = "demos/cartpole-20.nxdemo"
        for override in overrides {
            let (key, value) = (override.split(separator: "=")[0], String(override.split(separator: "=")[1]))
            switch key {
            case "expert.policy": config.expert.policy = value
            case "python": config.python = value
            case "expert.python": config.expert.python = value
            case "ppo.reward": config.ppo.reward = value
            default: Issue.record("unknown key \(key)")
            }
        }
        return config
    }

    @Test("under Slurm relative paths become absolute from where the job was rendered, and must exist; names on the PATH stay names")
    func slurm() throws {
        let files: Set<String> = ["/home/u/exp/demos/cartpole-20.nxdemo", "/home/u/ckpt/best.nxckpt", "/home/u/exp/.venv/bin/python", "/home/u/exp/model.zip", "/data/reward.nxckpt"]
        let config = try Self.config(["expert.policy=../ckpt/best.nxckpt", "python=.venv/bin/python", "expert.python=sb3:model.zip", "ppo.reward=/data/reward.nxckpt"])
        let resolved = try DeployedFiles.resolve(config, from: "/home/u/exp", for: .slurm, exists: files.contains)
        #expect(resolved.demos == "/home/u/exp/demos/cartpole-20.nxdemo")
        #expect(resolved.expert.policy == "/home/u/ckpt/best.nxckpt")
        #expect(resolved.python == "/home/u/exp/.venv/bin/python")
        #expect(resolved.expert.python == "sb3:/home/u/exp/model.zip")
        #expect(resolved.ppo.reward == "/data/reward.nxckpt")
        let plain = try DeployedFiles.resolve(try Self.config(["python=python3", "expert.python=experts:act"]), from: "/home/u/exp", for: .slurm, exists: files.contains)
        #expect(plain.python == "python3" && plain.expert.python == "experts:act")
        let missing = #expect(throws: RuntimeError.self) { try DeployedFiles.resolve(RunConfig.bc(demos: "demos/other.nxdemo"), from: "/home/u/exp", for: .slurm, exists: files.contains) }
        #expect(missing?.description.contains("demos demos/other.nxdemo: no such file (/home/u/exp/demos/other.nxdemo: relative paths are taken from /home/u/exp") == true)
    }

    @Test("in a Kubernetes pod a relative path is refused, an absolute one is the pod's")
    func kubernetes() throws {
        let refused = #expect(throws: RuntimeError.self) { try DeployedFiles.resolve(try Self.config([]), from: "/home/u", for: .kubernetes, exists: { _ in true }) }
        #expect(refused?.description.contains("demos demos/cartpole-20.nxdemo: a relative path means nothing inside a pod") == true)
        let absolute = try DeployedFiles.resolve(RunConfig.bc(demos: "/data/demos.nxdemo"), from: "/home/u", for: .kubernetes, exists: { _ in false })
        #expect(absolute.demos == "/data/demos.nxdemo")
    }

    @Test("a Slurm job asks for two nodes, or as many as it has processes; more is refused with the count")
    func nodes() throws {
        let bc = DeployedRun(RunConfig.bc(demos: "/d.nxdemo"), keysDirectory: "/k")
        #expect(try SlurmBatchScript().render(bc).contains("#SBATCH --nodes=1\n"))
        let refused = #expect(throws: RuntimeError.self) { try SlurmBatchScript(nodes: 2).render(bc) }
        #expect(refused?.description == "--nodes 2: the job starts 1 process (bc: the learner), so at most 1 node")
        var dagger = RunConfig()
        dagger.workers = 2
        #expect(try SlurmBatchScript().render(DeployedRun(dagger, keysDirectory: "/k")).contains("#SBATCH --nodes=2\n"))
        #expect(try SlurmBatchScript(nodes: 4).render(DeployedRun(dagger, keysDirectory: "/k")).contains("#SBATCH --nodes=4\n"))
        let tooMany = #expect(throws: RuntimeError.self) { try SlurmBatchScript(nodes: 5).render(DeployedRun(dagger, keysDirectory: "/k")) }
        #expect(tooMany?.description.contains("4 processes (dagger: the learner, 1 expert, 2 workers)") == true)
    }
}

extension RunConfig {
    static func bc(demos: String) -> RunConfig {
        var config = RunConfig()
        config.algo = "bc"
        config.demos = demos
        return config
    }
}
