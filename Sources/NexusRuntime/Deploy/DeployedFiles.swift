import Foundation

/// The files a run's configuration names (demonstrations, a checkpoint served as the expert, a
/// learned reward, a Stable-Baselines3 model, the Python interpreter), made valid where a
/// rendered job runs. A relative path means the directory the user rendered from, which is not
/// where `sbatch` or a pod starts: under Slurm each becomes absolute (every node must read it
/// there: a shared file system) and must exist now; a Kubernetes pod sees only its image and
/// volumes, so there a relative path is refused and an absolute one is taken as the pod's.
public enum DeployedFiles {
    public enum Target: Sendable { case slurm, kubernetes }

    /// `exists`: whether a file is there (injected for tests).
    public static func resolve(
        _ config: RunConfig, from directory: String, for target: Target, exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) throws -> RunConfig {
        var config = config
        func resolved(_ key: String, _ path: String) throws -> String {
            guard !path.isEmpty else { return path }
            let absolute = path.hasPrefix("/")
            switch target {
            case .kubernetes:
                guard absolute else {
                    throw RuntimeError("\(key) \(path): a relative path means nothing inside a pod; give the file's absolute path in the image or a mounted volume")
                }
                return path
            case .slurm:
                let full = absolute ? path : URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL.path
                guard exists(full) else {
                    throw RuntimeError("\(key) \(path): no such file\(absolute ? "" : " (\(full): relative paths are taken from \(directory), where you render)"); every node must read it where the job names it")
                }
                return full
            }
        }
        config.demos = try resolved("demos", config.demos)
        config.expert.policy = try resolved("expert.policy", config.expert.policy)
        config.ppo.reward = try resolved("ppo.reward", config.ppo.reward)
        // An interpreter by name is found on each node's PATH; one by path is a file.
        if config.python.contains("/") { config.python = try resolved("python", config.python) }
        let model = "sb3:"
        if config.expert.python.hasPrefix(model) {
            config.expert.python = model + (try resolved("expert.python", String(config.expert.python.dropFirst(model.count))))
        }
        return config
    }
}
