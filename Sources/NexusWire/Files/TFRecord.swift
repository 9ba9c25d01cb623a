/// TFRecord framing, the container of TensorBoard event files: each record is its length
/// (8 bytes, little-endian), the length's masked CRC32C (4), the data, the data's masked
/// CRC32C (4). "Masked" rotates the CRC and adds a constant, so that a CRC computed over data
/// that itself holds CRCs does not degenerate.
public enum TFRecord {
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        let length = littleEndianBytes(UInt64(data.count))
        var record: [UInt8] = []
        record.reserveCapacity(data.count + 16)
        record += length
        record += littleEndianBytes(maskedCRC(length))
        record += data
        record += littleEndianBytes(maskedCRC(data))
        return record
    }

    /// Splits a file's bytes into records, checking both CRCs of each. A record cut short at
    /// the end (a writer still appending) ends the list; any other damage is an error.
    public static func records(in bytes: [UInt8], maxRecordBytes: Int = 64 << 20) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while bytes.count - offset >= 12 {
            let lengthBytes = Array(bytes[offset..<offset + 8])
            guard readUInt32(bytes, at: offset + 8) == maskedCRC(lengthBytes) else {
                throw WireError.invalidField("tfrecord[\(records.count)].length", reason: "CRC mismatch at byte \(offset)")
            }
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard length <= UInt64(maxRecordBytes) else {
                throw WireError.limitExceeded(field: "tfrecord[\(records.count)].length", value: Int(clamping: length), limit: maxRecordBytes)
            }
            let start = offset + 12, end = start + Int(length)
            guard end + 4 <= bytes.count else { break }
            let data = Array(bytes[start..<end])
            guard readUInt32(bytes, at: end) == maskedCRC(data) else {
                throw WireError.invalidField("tfrecord[\(records.count)].data", reason: "CRC mismatch at byte \(start)")
            }
            records.append(data)
            offset = end + 4
        }
        return records
    }

    public static func maskedCRC(_ bytes: [UInt8]) -> UInt32 {
        let crc = CRC32C.checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xa282_ead8
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << ($1 * 8) }
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), byte-wise with a table: event files
/// are a few kilobytes per iteration, far from needing the SSE4.2 instruction.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { crc, _ in crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
    }
}
