/// An error that is its message: bad input or a failure, named for the person who reads it.
/// Each module names its own kind (`typealias ConfigError = DescribedError<ConfigProblem>`), so
/// callers still catch by kind, and one type serves them all.
public struct DescribedError<Kind>: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
    public init(description: String) { self.description = description }
}
