import Foundation
import NexusErrors

/// A checkpoint file (`checkpoints/*.nxckpt`): the magic `NXCKPT02`, the payload's length and
/// a 64-bit checksum of it (both little-endian), then the protobuf `Checkpoint`. A torn write
/// (a crash mid-file, a disk that filled) or a flipped bit is refused with its reason, never
/// decoded into a wrong state: a protobuf message cut at a field boundary still decodes.
public enum CheckpointFile {
    public static let magic = Array("NXCKPT02".utf8)
    static let headerBytes = 24

    public static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        let payload = StorageCodec.encode(checkpoint)
        var bytes = magic
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { bytes += $0 }
        withUnsafeBytes(of: FileChecksum.compute(payload).littleEndian) { bytes += $0 }
        return bytes + payload
    }

    /// Checks the header and the checksum, then decodes; `path` names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String, limits: WireLimits = .checkpointFile) throws -> Checkpoint {
        guard bytes.count >= headerBytes, Array(bytes[0..<8]) == magic else {
            throw CheckpointFileError("\(path) is not a Nexus checkpoint (no \(String(decoding: magic, as: UTF8.self)) header; damaged, or written by nexus before 0.6)")
        }
        let length = bytes[8..<16].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let checksum = bytes[16..<24].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length == UInt64(bytes.count - headerBytes) else {
            throw CheckpointFileError("\(path) is torn: its header promises \(length) bytes of checkpoint, the file holds \(bytes.count - headerBytes)")
        }
        let payload = Array(bytes[headerBytes...])
        guard FileChecksum.compute(payload) == checksum else { throw CheckpointFileError("\(path) is damaged: its checksum does not match its contents") }
        do {
            return try StorageCodec.decodeCheckpoint(payload, limits: limits)
        } catch let error as WireError {
            throw CheckpointFileError("\(path) is not a valid checkpoint: \(error)")
        }
    }

    public static func read(_ path: String) throws -> Checkpoint {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch let error as FileBytesError {
            throw CheckpointFileError(error.description)
        }
        return try decode(bytes, path: path)
    }
}

/// The 64-bit checksum of a file's bytes (the mixer of the weights checksum): against damage,
/// not against an attacker.
enum FileChecksum {
    static func compute(_ bytes: [UInt8]) -> UInt64 {
        var mixer = WeightsChecksum.Mixer()
        bytes.withUnsafeBytes { mixer.mix(bytes: $0) }
        return mixer.finish()
    }
}

public typealias CheckpointFileError = DescribedError<CheckpointFileProblem>
public enum CheckpointFileProblem {}
