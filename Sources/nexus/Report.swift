import ArgumentParser
import Foundation
import NexusReport
import NexusRuntime
import NexusWire

/// `nexus report RUN_DIR... --out FILE.html`: the runs' curves and summary on one page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page (inline SVG, no network) comparing runs: learning curves, throughput, query rate, summary.",
        discussion: "Runs may still be training: the page shows what their metrics.csv holds now.")

    @Argument(help: "Run directories (nexus train --run-dir); several are overlaid.")
    var runs: [String]

    @Option(help: "The HTML file to write.")
    var out: String

    @Option(parsing: .unconditional, help: "Episodes the expert is evaluated on, for its return line (0: no line).")
    var expertEpisodes = 20

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("name at least one run directory") }
        guard (0...10_000).contains(expertEpisodes) else { throw ValidationError("--expert-episodes \(expertEpisodes) must be 0 to 10000") }
    }

    func run() throws {
        let page: String
        let skipped: [String]
        do {
            (page, skipped) = try ReportPage.build(runDirectories: runs, expertEpisodes: expertEpisodes)
        } catch let error as ReportError {
            throw ValidationError(error.description)
        } catch let error as RuntimeError {
            throw ValidationError(error.description)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        try AtomicFile.write(Array(page.utf8), to: out)
        for note in skipped { FileHandle.standardError.write(Data("nexus report: left out \(note)\n".utf8)) }
        let drawn = runs.count - skipped.count
        print("wrote \(out): \(drawn) run\(drawn == 1 ? "" : "s"), \(page.utf8.count / 1024) KiB")
    }
}
