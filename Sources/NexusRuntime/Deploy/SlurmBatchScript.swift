/// `nexus cluster render --target slurm`: a batch script for `sbatch`. The learner and the
/// experts start once, on the allocation's first node; the workers are one `srun` step of
/// `workers` tasks across the nodes, each with its task number as worker id. The learner ends
/// the run (target, `max_seconds`, iterations) and tells the workers to stop; `scancel` stops
/// every step. The configuration is written into the run directory when the job starts, with
/// the first node's address (NodeAddr) as the learner's advertised host. The run's keys
/// directory must be where every node reads it (a shared file system, or copied beforehand).
public struct SlurmBatchScript {
    /// Nodes to ask for; workers share them with the learner's node. Nil: two, or fewer when
    /// the job has fewer processes (bc: the learner alone).
    public var nodes: Int?

    public init(nodes: Int? = nil) { self.nodes = nodes }

    private static let hostToken = "NEXUS_LEARNER_HOST_TOKEN"

    public func render(_ run: DeployedRun) throws -> String {
        let experts = run.usesExpert ? Array(run.imperfections.indices) : []
        let tasks = (run.usesWorkers ? run.config.workers : 0) + experts.count + 1
        let nodes = self.nodes ?? min(2, tasks)
        guard nodes >= 1 else { throw RuntimeError("--nodes \(nodes) must be at least 1") }
        // More nodes than processes: Slurm warns and the extra nodes idle.
        guard nodes <= tasks else {
            throw RuntimeError("--nodes \(nodes): the job starts \(tasks) process\(tasks == 1 ? "" : "es") (\(Self.roles(run, experts: experts.count))), so at most \(tasks) node\(tasks == 1 ? "" : "s")")
        }
        let config = run.configuration(learnerHost: Self.hostToken, expertHosts: experts.map { _ in Self.hostToken })
        // Shell expansion inside the here-document: only the learner's host is a variable.
        let yaml = try ConfigLoader.yaml(config)
            .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "$", with: "\\$").replacingOccurrences(of: "`", with: "\\`")
            .replacingOccurrences(of: Self.hostToken, with: "${LEARNER_HOST}")
        var lines = [
            "#!/bin/bash",
            "#SBATCH --job-name=nexus-\(run.config.algo)-\(run.config.env)",
            "#SBATCH --nodes=\(nodes)",
            "#SBATCH --ntasks=\(tasks)",
            "#SBATCH --cpus-per-task=1",
            "# Rendered by: nexus cluster render --target slurm (docs/OPERATIONS.md). \(run.config.algo) on \(run.config.env),",
            "# \(run.usesWorkers ? "\(run.config.workers) workers" : "no workers"), \(experts.count) expert(s), CurveZMQ \(run.usesCurve ? "on (keys: \(run.keysDirectory))" : "off").",
            "set -euo pipefail",
            "NEXUS=\"${NEXUS:-nexus}\"",
            "RUN_DIR=\"${NEXUS_RUN_DIR:-$PWD/runs/nexus-$SLURM_JOB_ID}\"",
            "LEARNER_NODE=\"$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\"",
            "# Workers reach the learner at its node's address as Slurm knows it (NodeAddr), else its name.",
            "LEARNER_HOST=\"$(scontrol show node \"$LEARNER_NODE\" | sed -n 's/.*NodeAddr=\\([^ ]*\\).*/\\1/p')\"",
            "LEARNER_HOST=\"${LEARNER_HOST:-$LEARNER_NODE}\"",
            "mkdir -p \"$RUN_DIR\"",
            "cat > \"$RUN_DIR/job-config.yaml\" <<NEXUS_CONFIG",
            yaml.hasSuffix("\n") ? String(yaml.dropLast()) : yaml,
            "NEXUS_CONFIG",
            "CONFIG=\"$RUN_DIR/job-config.yaml\"",
            "pids=()",
            "stop_all() { kill \"${pids[@]}\" 2>/dev/null || true; }",
            "trap stop_all EXIT",
        ]
        let onLearnerNode = "srun --nodes=1 --ntasks=1 --nodelist=\"$LEARNER_NODE\" --overlap"
        for index in experts {
            let arguments = run.expertArguments(index, config: "$CONFIG").map(Self.quoted).joined(separator: " ")
            lines.append("\(onLearnerNode) --job-name=expert-\(index) \"$NEXUS\" \(arguments) &")
            lines.append("pids+=($!)")
        }
        // A requeued or resubmitted job (same RUN_DIR) resumes from its newest numbered
        // checkpoint; one without any starts afresh over what an earlier attempt wrote.
        lines.append("if ls \"$RUN_DIR/run/checkpoints/\"checkpoint-*.nxckpt >/dev/null 2>&1; then LEARNER_RUN=(--resume \"$RUN_DIR/run\"); else LEARNER_RUN=(--run-dir \"$RUN_DIR/run\" --overwrite); fi")
        lines.append("\(onLearnerNode) --job-name=learner \"$NEXUS\" learner --config \"$CONFIG\" \"${LEARNER_RUN[@]}\" &")
        lines.append("learner=$!")
        if run.usesWorkers {
            let security = run.clientSecurity.map(Self.quoted).joined(separator: " ")
            lines.append("export NEXUS LEARNER_HOST")
            lines.append(
                "srun --ntasks=\(run.config.workers) --overlap --job-name=workers bash -c "
                    + "'exec \"$NEXUS\" worker --learner \"tcp://$LEARNER_HOST:\(DeployedRun.controlPort)\" --worker-id $((SLURM_PROCID + 1)) \(security.replacingOccurrences(of: "'", with: "'\\''"))' &")
            lines.append("pids+=($!)")
        }
        lines += [
            "# The learner ends the run and tells the workers to stop.",
            "status=0",
            "wait \"$learner\" || status=$?",
            "echo \"nexus: learner finished with status $status; summary: $RUN_DIR/run/summary.json\"",
            "exit \"$status\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The processes a job starts, in words.
    static func roles(_ run: DeployedRun, experts: Int) -> String {
        var roles = ["the learner"]
        if experts > 0 { roles.append("\(experts) expert\(experts == 1 ? "" : "s")") }
        if run.usesWorkers { roles.append("\(run.config.workers) worker\(run.config.workers == 1 ? "" : "s")") }
        return run.config.algo + ": " + roles.joined(separator: ", ")
    }

    /// A shell word that stays one word (single quotes), unless it is a plain word already.
    static func quoted(_ word: String) -> String {
        if word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=@,".contains($0) }) { return word }
        if word.hasPrefix("$") && !word.contains(" ") { return "\"\(word)\"" }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
