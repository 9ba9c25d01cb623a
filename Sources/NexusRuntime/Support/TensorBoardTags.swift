/// Where a metrics.csv column goes in TensorBoard: a tag in a group, as Stable-Baselines3 and
/// imitation users know them (`eval/`, `train/`, `rollout/`, `expert/`, …), so TensorBoard
/// shows a section a group. The name is the column's, without its group's prefix
/// (`eval_return_mean` is `eval/return_mean`, `discriminator_loss` is `discriminator/loss`);
/// a column no group claims is a training statistic (`train/`), as the algorithms' losses are.
enum TensorBoardTags {
    static let groups: [(group: String, columns: Set<String>)] = [
        ("eval", ["eval_return_mean", "eval_return_std", "eval_seconds"]),
        ("rollout", ["env_steps", "env_steps_per_second", "policy_lag", "unsafe_events", "unsafe_events_expert_acting", "env_failures", "train_return_mean"]),
        ("expert", [
            "expert_queries", "queries_per_1k_steps", "beta", "mean_disagreement", "gate_threshold", "imagined_labels", "safety_takeovers",
            "disagreement_error_correlation", "labels_discarded",
        ]),
        ("discriminator", [
            "discriminator_loss", "discriminator_expert_accuracy", "discriminator_policy_accuracy", "discriminator_seconds", "learned_reward_mean",
            "absorbing_reward",
        ]),
        ("model", ["model_loss", "model_error"]),
        ("time", ["iteration", "wall_seconds", "update_seconds", "policy_version"]),
        ("network", ["rejected_messages"]),
    ]

    static func tag(for column: String) -> String {
        let group = groups.first { $0.columns.contains(column) }?.group ?? "train"
        let prefix = group + "_"
        let name = column.hasPrefix(prefix) && column.count > prefix.count ? String(column.dropFirst(prefix.count)) : column
        return group + "/" + name
    }
}
