import NexusErrors

/// A runtime failure with a message that says what and where.
public typealias RuntimeError = DescribedError<RuntimeProblem>
public enum RuntimeProblem {}

/// A run that started and could not go on (a role crashed past its restart budget, every
/// worker was left down): not a mistake in how it was asked for, so `nexus train` exits 1
/// with it, without the usage line a bad flag or config gets.
public typealias RunFailure = DescribedError<RunFailureProblem>
public enum RunFailureProblem {}
