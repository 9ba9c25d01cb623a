import Foundation
import NexusWire

/// `RUN_DIR/tb/`: the rows of `metrics.csv` as TensorBoard scalars, one event per row, each
/// column a tag in its group (`TensorBoardTags`: `eval/return_mean`, `time/iteration`, …;
/// values that are not numbers yet, such as the return before the first evaluation, are left
/// out, as the CSV leaves them empty). The step is what users plot against: env steps where
/// workers collect them, the iteration otherwise (BC). Each process writes a file of its own,
/// so a resumed run adds one and TensorBoard joins them.
public final class TensorBoardLog {
    public let path: String
    private let handle: FileHandle

    public init(directory: String, now: Date = Date()) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError("cannot create \(directory): \(error.localizedDescription)")
        }
        // TensorBoard finds files by "tfevents" in the name and orders them by name.
        let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        path = directory + "/events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host).\(getpid()).nexus"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw RuntimeError("cannot create \(path)")
        }
        self.handle = handle
        try write(.fileVersion(wallTime: now.timeIntervalSince1970))
    }

    deinit { try? handle.close() }

    /// One metrics row (its columns as metrics.csv names them, `iteration` included).
    public func append(step: Int, _ row: [(String, Double)], at time: Date = Date()) throws {
        let scalars = row.filter { $0.1.isFinite }.map { TensorBoardScalar(tag: TensorBoardTags.tag(for: $0.0), value: $0.1) }
        try write(.scalars(wallTime: time.timeIntervalSince1970, step: Int64(step), values: scalars))
    }

    /// A resumed learner continues from its checkpoint's iteration: the events files of
    /// earlier processes lose their rows past it (and a record cut short by a crash), so that
    /// no reader sees two values for one step or a curve that loops back. A row is known by
    /// its `time/iteration` scalar (files of earlier versions: by the step, then the
    /// iteration). A file that is damaged elsewhere is left as it is; what was left is
    /// returned, for the log.
    @discardableResult
    public static func rewind(_ directory: String, toIteration iteration: Int) -> [String] {
        let iterationTag = TensorBoardTags.tag(for: "iteration")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains("tfevents") }
        var untouched: [String] = []
        for name in names.sorted() {
            let path = directory + "/" + name
            do {
                let bytes = try FileBytes.read(path)
                let records = try TFRecord.records(in: bytes)
                let kept = try records.filter { record in
                    guard case .scalars(_, let step, let values) = try TensorBoardCodec.decode(record) else { return true }
                    let recorded = values.first { $0.tag == iterationTag }.map { Int($0.value) } ?? Int(step)
                    return recorded <= iteration
                }
                let framed = kept.flatMap(TFRecord.frame)
                if framed.count != bytes.count { try AtomicFile.write(framed, to: path) }
            } catch {
                untouched.append("\(path): \(error)")
            }
        }
        return untouched
    }

    private func write(_ event: TensorBoardEvent) throws {
        do {
            try handle.write(contentsOf: TFRecord.frame(TensorBoardCodec.encode(event)))
        } catch {
            throw RuntimeError("cannot append to \(path): \(error.localizedDescription)")
        }
    }

}
