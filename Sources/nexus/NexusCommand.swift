import ArgumentParser
import Foundation
import NexusBench
import NexusNN
import NexusTransport
import NexusWire

@main
struct Nexus: AsyncParsableCommand {
    /// As ArgumentParser's own main, after process-wide tuning; errors from a subcommand
    /// are reported with that subcommand's usage.
    static func main() async {
        // NEXUS_PARSE_ONLY: parse and validate command lines, run nothing (the CLI tests probe
        // every option this way without starting roles). "lines": one command line per line
        // of standard input, arguments separated by tabs; one answer per line, "ok" or the
        // error's message.
        if let mode = ProcessInfo.processInfo.environment["NEXUS_PARSE_ONLY"] {
            guard mode == "lines" else {
                do { _ = try parseAsRoot() } catch { exit(withError: error) }
                exit(withError: nil)
            }
            while let line = readLine() {
                let arguments = line.isEmpty ? [] : line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                do {
                    _ = try parseAsRoot(arguments)
                    print("ok")
                } catch {
                    print(message(for: error).replacingOccurrences(of: "\n", with: " "))
                }
            }
            exit(withError: nil)
        }
        BLASKernelSelection.restartWithBetterKernelIfNeeded()
        NexusNN.configureThreads(1)
        ProcessTuning.keepLargeBuffersOnHeap()
        ProcessTuning.raiseDescriptorLimit()
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
            exit(from: type(of: command), withError: error)
        }
    }

    /// ArgumentParser's report of an error a subcommand's `run` threw, with the usage and
    /// help lines spelled from the root (`nexus demos record …`, not `record …`).
    static func exit(from subcommand: any ParsableCommand.Type, withError error: any Error) -> Never {
        let code = subcommand.exitCode(for: error)
        let local = subcommand.usageString()
        let full = usageString(for: subcommand)
        var text = subcommand.fullMessage(for: error)
        if full.hasSuffix(local), full != local {
            let path = full.dropLast(local.count)
            text = text.replacingOccurrences(of: "Usage: " + local, with: "Usage: " + full)
                .replacingOccurrences(of: "See '\(subcommand._commandName) --help'", with: "See '\(path)\(subcommand._commandName) --help'")
        }
        if !text.isEmpty {
            if code == .success { print(text) } else { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        }
        Foundation.exit(code.rawValue)
    }

    static let configuration = CommandConfiguration(
        commandName: "nexus",
        abstract: "Nexus: a distributed actor-learner system for imitation learning.",
        discussion: """
            Rollout workers, an expert and a learner run as separate processes that exchange \
            protobuf-c messages over ZeroMQ. See README.md for the concepts and a quick start.
            """,
        version: NexusVersion.current,
        subcommands: [Train.self, LearnerRole.self, WorkerRole.self, ExpertRole.self, StatusCommand.self, ReportCommand.self, Env.self, Eval.self, Demos.self, ConfigCommand.self, Keys.self, Cluster.self, Bench.self])
}
