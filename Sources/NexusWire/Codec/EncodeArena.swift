#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bump allocator for the C structs and arrays of one encode. protobuf-c packs from plain
/// C memory; building it here keeps every allocation of an encode in a few blocks that are
/// freed together when the arena goes away.
final class EncodeArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private var nextBlockSize: Int

    init(initialBlockSize: Int = 4096) {
        nextBlockSize = initialBlockSize
    }

    deinit {
        for block in blocks { free(block) }
    }

    func allocate<T>(_ type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        let alignment = MemoryLayout<T>.alignment
        let size = MemoryLayout<T>.stride * max(count, 1)
        if let cursor {
            let padding = (alignment - Int(bitPattern: cursor) % alignment) % alignment
            if padding + size <= remaining {
                let start = cursor + padding
                self.cursor = start + size
                remaining -= padding + size
                return start.bindMemory(to: T.self, capacity: max(count, 1))
            }
        }
        // Large arrays get a block of their own; small ones start a new shared block.
        let blockSize = max(size + alignment, nextBlockSize)
        nextBlockSize = min(nextBlockSize * 2, 1 << 20)
        guard let block = malloc(blockSize) else { fatalError("EncodeArena: out of memory allocating \(blockSize) bytes") }
        blocks.append(block)
        let padding = (alignment - Int(bitPattern: block) % alignment) % alignment
        let start = block + padding
        cursor = start + size
        remaining = blockSize - padding - size
        return start.bindMemory(to: T.self, capacity: max(count, 1))
    }

    /// Copies an array into the arena; nil for an empty array (protobuf-c reads n == 0 first).
    func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let target = allocate(T.self, count: values.count)
        _ = values.withUnsafeBufferPointer { source in
            UnsafeMutableBufferPointer(start: target, count: values.count).initialize(fromContentsOf: source)
        }
        return target
    }

    func copy<S: Collection, T>(_ values: S, as type: T.Type, _ transform: (S.Element) -> T) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let target = allocate(T.self, count: values.count)
        for (offset, value) in values.enumerated() { (target + offset).initialize(to: transform(value)) }
        return target
    }

    func string(_ value: String) -> UnsafeMutablePointer<CChar> {
        var value = value
        return value.withUTF8 { utf8 in
            let target = allocate(CChar.self, count: utf8.count + 1)
            if let source = utf8.baseAddress {
                UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: utf8.count)
            }
            target[utf8.count] = 0
            return target
        }
    }
}
