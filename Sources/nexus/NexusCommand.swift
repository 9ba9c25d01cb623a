import ArgumentParser
import NexusBench
import NexusTransport

@main
struct Nexus: AsyncParsableCommand {
    static func main() async {
        ProcessTuning.keepLargeBuffersOnHeap()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "nexus",
        abstract: "Nexus: a distributed actor-learner system for imitation learning.",
        discussion: """
            Rollout workers, an expert and a learner run as separate processes that exchange \
            protobuf-c messages over ZeroMQ. See README.md for the concepts and a quick start.
            """,
        version: NexusVersion.current,
        subcommands: [Bench.self])
}
