import NexusErrors

/// A runtime failure with a message that says what and where.
public typealias RuntimeError = DescribedError<RuntimeProblem>
public enum RuntimeProblem {}
