import Foundation

/// A file of expert demonstrations: the magic bytes `NXDEMO02`, then length-prefixed
/// (UInt32, little-endian) `DemonstrationRecord`s — one header, then one episode each — then
/// the trailer `NXDEMEND` and a 64-bit checksum (little-endian) of everything before it. A file
/// cut anywhere (even between records, which would otherwise read as fewer episodes) or with a
/// flipped bit is refused.
public struct DemonstrationFile: Sendable, Equatable {
    public static let magic = Array("NXDEMO02".utf8)
    static let previousMagic = Array("NXDEMO01".utf8)
    static let trailer = Array("NXDEMEND".utf8)

    public var header: DemonstrationHeader
    public var episodes: [TrajectorySegment]

    public init(header: DemonstrationHeader, episodes: [TrajectorySegment]) {
        self.header = header
        self.episodes = episodes
    }

    public var totalSteps: Int { episodes.reduce(0) { $0 + $1.stepCount } }

    /// The bytes of the file.
    public func encoded() -> [UInt8] {
        var bytes = Self.magic
        for record in [DemonstrationRecord.header(header)] + episodes.map(DemonstrationRecord.episode) {
            let payload = StorageCodec.encode(record)
            withUnsafeBytes(of: UInt32(payload.count).littleEndian) { bytes += $0 }
            bytes += payload
        }
        return Self.sealed(bytes)
    }

    /// `body` (magic and records) with the trailer and its checksum appended.
    static func sealed(_ body: [UInt8]) -> [UInt8] {
        var bytes = body + trailer
        withUnsafeBytes(of: FileChecksum.compute(body).littleEndian) { bytes += $0 }
        return bytes
    }

    /// Writes atomically: a temporary file in the same folder, then a rename.
    public func write(to path: String) throws {
        do {
            try AtomicFile.write(encoded(), to: path)
        } catch {
            throw DemonstrationFileError.cannotWrite(path: path, reason: "\(error)")
        }
    }

    public static func read(from path: String, limits: WireLimits = .default) throws -> DemonstrationFile {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch let error as FileBytesError {
            throw DemonstrationFileError.cannotRead(path: path, reason: error.description.replacingOccurrences(of: "cannot read \(path): ", with: ""))
        }
        do {
            return try bytes.withUnsafeBytes { try decode($0, limits: limits) }
        } catch let error as DemonstrationFileError {
            throw error.at(path)
        }
    }

    /// Decodes a whole file; every episode is validated against the header.
    public static func decode(_ whole: UnsafeRawBufferPointer, limits: WireLimits = .default) throws -> DemonstrationFile {
        if whole.count >= previousMagic.count, whole.prefix(previousMagic.count).elementsEqual(previousMagic) {
            throw DemonstrationFileError.damaged(path: "", reason: "it was written by nexus before 0.6 (NXDEMO01, no checksum): record it again")
        }
        guard whole.count >= magic.count, whole.prefix(magic.count).elementsEqual(magic) else {
            throw DemonstrationFileError.notADemonstrationFile(path: "")
        }
        let sealedBytes = trailer.count + 8
        guard whole.count >= magic.count + sealedBytes,
            UnsafeRawBufferPointer(rebasing: whole[(whole.count - sealedBytes)..<(whole.count - 8)]).elementsEqual(trailer)
        else {
            throw DemonstrationFileError.damaged(path: "", reason: "it ends without its NXDEMEND trailer (cut short)")
        }
        let stored = UInt64(littleEndian: whole.loadUnaligned(fromByteOffset: whole.count - 8, as: UInt64.self))
        let bytes = UnsafeRawBufferPointer(rebasing: whole[0..<(whole.count - sealedBytes)])
        guard FileChecksum.compute(Array(bytes)) == stored else {
            throw DemonstrationFileError.damaged(path: "", reason: "its checksum does not match its contents")
        }
        var offset = magic.count
        var header: DemonstrationHeader?
        var episodes: [TrajectorySegment] = []
        var index = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else {
                throw DemonstrationFileError.truncated(path: "", record: index, offset: offset)
            }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard length <= limits.maxMessageBytes else {
                throw DemonstrationFileError.invalidRecord(path: "", record: index, .messageTooLarge(bytes: length, limit: limits.maxMessageBytes))
            }
            guard bytes.count - offset >= length else {
                throw DemonstrationFileError.truncated(path: "", record: index, offset: offset - 4)
            }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
            offset += length
            let record: DemonstrationRecord
            do {
                record = try StorageCodec.decodeDemonstrationRecord(slice, limits: limits, expecting: header?.expectations ?? .none)
            } catch let error as WireError {
                throw DemonstrationFileError.invalidRecord(path: "", record: index, error)
            }
            switch (record, header) {
            case (.header(let decoded), nil): header = decoded
            case (.header, .some): throw DemonstrationFileError.misplacedRecord(path: "", record: index, "a second header")
            case (.episode, nil): throw DemonstrationFileError.misplacedRecord(path: "", record: index, "an episode before the header")
            case (.episode(let episode), .some): episodes.append(episode)
            }
            index += 1
        }
        guard let header else { throw DemonstrationFileError.truncated(path: "", record: 0, offset: offset) }
        return DemonstrationFile(header: header, episodes: episodes)
    }
}

public enum DemonstrationFileError: Error, Equatable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case notADemonstrationFile(path: String)
    case truncated(path: String, record: Int, offset: Int)
    case invalidRecord(path: String, record: Int, WireError)
    case misplacedRecord(path: String, record: Int, String)
    case damaged(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): return "cannot read demonstration file \(path): \(reason)"
        case .cannotWrite(let path, let reason): return "cannot write demonstration file \(path): \(reason)"
        case .notADemonstrationFile(let path): return "\(path) is not a Nexus demonstration file (it does not start with NXDEMO02)"
        case .damaged(let path, let reason): return "demonstration file \(path) is damaged: \(reason)"
        case .truncated(let path, let record, let offset): return "demonstration file \(path) is truncated: record \(record) at byte \(offset) is incomplete"
        case .invalidRecord(let path, let record, let error): return "demonstration file \(path), record \(record): \(error)"
        case .misplacedRecord(let path, let record, let what): return "demonstration file \(path), record \(record): \(what)"
        }
    }

    func at(_ path: String) -> DemonstrationFileError {
        switch self {
        case .cannotRead(_, let reason): return .cannotRead(path: path, reason: reason)
        case .cannotWrite(_, let reason): return .cannotWrite(path: path, reason: reason)
        case .notADemonstrationFile: return .notADemonstrationFile(path: path)
        case .truncated(_, let record, let offset): return .truncated(path: path, record: record, offset: offset)
        case .invalidRecord(_, let record, let error): return .invalidRecord(path: path, record: record, error)
        case .misplacedRecord(_, let record, let what): return .misplacedRecord(path: path, record: record, what)
        case .damaged(_, let reason): return .damaged(path: path, reason: reason)
        }
    }
}
