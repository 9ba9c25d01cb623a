import ArgumentParser
import Foundation
import NexusRuntime

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CurveZMQ keys for runs across machines (docs/SECURITY.md).",
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a server key pair, a client key pair and an allowlist holding the client's public key into DIR.",
            discussion: """
                The learner and expert hosts need server.key and allowed_clients; worker hosts need client.key and server.pub. \
                Point every role at the directory with --set security.keys=DIR. Existing keys are never overwritten.
                """)

        @Argument(help: "Directory to write the keys into (created if missing).")
        var directory: String

        func run() throws {
            do {
                try KeyFiles.generate(in: directory)
            } catch let error as RuntimeError {
                FileHandle.standardError.write(Data("nexus keys generate: \(error.description)\n".utf8))
                throw ExitCode(64)
            }
            print("wrote \(KeyFiles.serverPair), \(KeyFiles.serverPublic), \(KeyFiles.clientPair), \(KeyFiles.clientPublic), \(KeyFiles.allowedClients) to \(directory)")
        }
    }
}
