import ArgumentParser
import NexusBench
import NexusNN
import NexusTransport
import NexusWire

@main
struct Nexus: AsyncParsableCommand {
    /// As ArgumentParser's own main, after process-wide tuning; errors from a subcommand
    /// are reported with that subcommand's usage.
    static func main() async {
        BLASKernelSelection.restartWithBetterKernelIfNeeded()
        NexusNN.configureThreads(1)
        ProcessTuning.keepLargeBuffersOnHeap()
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            var command = command
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            type(of: command).exit(withError: error)
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
        subcommands: [Train.self, LearnerRole.self, WorkerRole.self, ExpertRole.self, StatusCommand.self, ReportCommand.self, Env.self, Eval.self, Demos.self, Keys.self, Cluster.self, Bench.self])
}
