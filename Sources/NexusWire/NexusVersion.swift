/// The Nexus release, reported by `nexus --version` and in `Hello` messages.
public enum NexusVersion {
    public static let current = "0.5.0"
}
