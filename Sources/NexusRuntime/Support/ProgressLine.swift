import Foundation

/// Progress of long work: one line rewritten in place on a terminal, plain lines (at most
/// every 2 s) when the stream is a file or pipe. Results go to standard output; progress of
/// commands whose output is data (`bench --json`, `demos`) goes to standard error.
public struct ProgressLine {
    public enum Stream: Sendable { case standardOutput, standardError }

    private let descriptor: Int32
    public let isTerminal: Bool
    /// Seconds between lines on a terminal.
    public var interval = 0.5
    private var lastLength = 0
    private var lastPrinted = ContinuousClock.now - .seconds(3600)

    public init(to stream: Stream = .standardOutput) {
        descriptor = stream == .standardOutput ? STDOUT_FILENO : STDERR_FILENO
        isTerminal = isatty(descriptor) == 1
    }

    /// Whether a line would be shown now.
    public var isDue: Bool { ContinuousClock.now - lastPrinted >= .seconds(isTerminal ? interval : max(interval, 2)) }

    /// Shows the line `text` builds, if the interval since the last one has passed (`force`:
    /// now, e.g. the last step of the work).
    public mutating func show(force: Bool = false, _ text: () -> String) {
        guard force || isDue else { return }
        lastPrinted = ContinuousClock.now
        let line = text()
        if isTerminal {
            write("\r" + line + String(repeating: " ", count: max(0, lastLength - line.count)))
            lastLength = line.count
        } else {
            write(line + "\n")
        }
    }

    /// Ends the in-place line before other output.
    public mutating func finish() {
        if isTerminal && lastLength > 0 { write("\n") }
        lastLength = 0
    }

    private func write(_ text: String) {
        fflush(nil)
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
