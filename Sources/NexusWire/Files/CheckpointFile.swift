import Foundation
import NexusErrors

/// Reads a checkpoint file (`checkpoints/*.nxckpt`): any algorithm's, for its policy (a
/// policy file) or its learned reward.
public enum CheckpointFile {
    public static func read(_ path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointFileError("cannot read \(path): no such readable file")
        }
        do {
            return try StorageCodec.decodeCheckpoint(Array(data))
        } catch let error as WireError {
            throw CheckpointFileError("\(path) is not a valid checkpoint: \(error)")
        }
    }
}

public typealias CheckpointFileError = DescribedError<CheckpointFileProblem>
public enum CheckpointFileProblem {}
