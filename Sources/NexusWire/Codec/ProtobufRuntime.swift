import CNexusProto
import CProtobufC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The messages that are encoded on their own (everything else is nested in them).
/// Bound to the generated functions so protobuf-c always sees its real descriptors.
protocol TopLevelCMessage {
    static func initialise(_ message: UnsafeMutablePointer<Self>)
    static func unpack(_ allocator: UnsafeMutablePointer<ProtobufCAllocator>, _ length: Int, _ data: UnsafePointer<UInt8>) -> UnsafeMutablePointer<Self>?
    static func freeUnpacked(_ message: UnsafeMutablePointer<Self>, _ allocator: UnsafeMutablePointer<ProtobufCAllocator>)
    static func packedSize(_ message: UnsafePointer<Self>) -> Int
    static func pack(_ message: UnsafePointer<Self>, _ out: UnsafeMutablePointer<UInt8>) -> Int
}

extension Nexus__V1__Envelope: TopLevelCMessage {
    static func initialise(_ m: UnsafeMutablePointer<Self>) { nexus__v1__envelope__init(m) }
    static func unpack(_ a: UnsafeMutablePointer<ProtobufCAllocator>, _ n: Int, _ d: UnsafePointer<UInt8>) -> UnsafeMutablePointer<Self>? { nexus__v1__envelope__unpack(a, n, d) }
    static func freeUnpacked(_ m: UnsafeMutablePointer<Self>, _ a: UnsafeMutablePointer<ProtobufCAllocator>) { nexus__v1__envelope__free_unpacked(m, a) }
    static func packedSize(_ m: UnsafePointer<Self>) -> Int { nexus__v1__envelope__get_packed_size(m) }
    static func pack(_ m: UnsafePointer<Self>, _ o: UnsafeMutablePointer<UInt8>) -> Int { nexus__v1__envelope__pack(m, o) }
}

extension Nexus__V1__Checkpoint: TopLevelCMessage {
    static func initialise(_ m: UnsafeMutablePointer<Self>) { nexus__v1__checkpoint__init(m) }
    static func unpack(_ a: UnsafeMutablePointer<ProtobufCAllocator>, _ n: Int, _ d: UnsafePointer<UInt8>) -> UnsafeMutablePointer<Self>? { nexus__v1__checkpoint__unpack(a, n, d) }
    static func freeUnpacked(_ m: UnsafeMutablePointer<Self>, _ a: UnsafeMutablePointer<ProtobufCAllocator>) { nexus__v1__checkpoint__free_unpacked(m, a) }
    static func packedSize(_ m: UnsafePointer<Self>) -> Int { nexus__v1__checkpoint__get_packed_size(m) }
    static func pack(_ m: UnsafePointer<Self>, _ o: UnsafeMutablePointer<UInt8>) -> Int { nexus__v1__checkpoint__pack(m, o) }
}

extension Nexus__V1__DemonstrationRecord: TopLevelCMessage {
    static func initialise(_ m: UnsafeMutablePointer<Self>) { nexus__v1__demonstration_record__init(m) }
    static func unpack(_ a: UnsafeMutablePointer<ProtobufCAllocator>, _ n: Int, _ d: UnsafePointer<UInt8>) -> UnsafeMutablePointer<Self>? { nexus__v1__demonstration_record__unpack(a, n, d) }
    static func freeUnpacked(_ m: UnsafeMutablePointer<Self>, _ a: UnsafeMutablePointer<ProtobufCAllocator>) { nexus__v1__demonstration_record__free_unpacked(m, a) }
    static func packedSize(_ m: UnsafePointer<Self>) -> Int { nexus__v1__demonstration_record__get_packed_size(m) }
    static func pack(_ m: UnsafePointer<Self>, _ o: UnsafeMutablePointer<UInt8>) -> Int { nexus__v1__demonstration_record__pack(m, o) }
}

extension Nexus__V1__TensorBoardEvent: TopLevelCMessage {
    static func initialise(_ m: UnsafeMutablePointer<Self>) { nexus__v1__tensor_board_event__init(m) }
    static func unpack(_ a: UnsafeMutablePointer<ProtobufCAllocator>, _ n: Int, _ d: UnsafePointer<UInt8>) -> UnsafeMutablePointer<Self>? { nexus__v1__tensor_board_event__unpack(a, n, d) }
    static func freeUnpacked(_ m: UnsafeMutablePointer<Self>, _ a: UnsafeMutablePointer<ProtobufCAllocator>) { nexus__v1__tensor_board_event__free_unpacked(m, a) }
    static func packedSize(_ m: UnsafePointer<Self>) -> Int { nexus__v1__tensor_board_event__get_packed_size(m) }
    static func pack(_ m: UnsafePointer<Self>, _ o: UnsafeMutablePointer<UInt8>) -> Int { nexus__v1__tensor_board_event__pack(m, o) }
}

/// The one place that calls protobuf-c's pack and unpack.
enum ProtobufRuntime {
    /// Builds the C message in an arena and packs it into a new byte array.
    static func pack<C: TopLevelCMessage>(_ type: C.Type, build: (EncodeArena, UnsafeMutablePointer<C>) -> Void) -> [UInt8] {
        let arena = EncodeArena()
        let message = arena.allocate(C.self)
        C.initialise(message)
        build(arena, message)
        let size = C.packedSize(message)
        return [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, count in
            count = C.pack(message, buffer.baseAddress!)
        }
    }

    /// Parses `bytes` under the size limit and an allocation budget, hands the C message to
    /// `body`, and frees it afterwards.
    static func withUnpacked<C: TopLevelCMessage, R>(
        _ type: C.Type, _ bytes: UnsafeRawBufferPointer, limits: WireLimits,
        _ body: (UnsafePointer<C>) throws -> R
    ) throws -> R {
        guard bytes.count <= limits.maxMessageBytes else {
            throw WireError.messageTooLarge(bytes: bytes.count, limit: limits.maxMessageBytes)
        }
        var budget = AllocationBudget(remaining: limits.allocationBudget(forMessageBytes: bytes.count))
        let initialBudget = budget.remaining
        return try withUnsafeMutablePointer(to: &budget) { budgetPointer in
            var allocator = ProtobufCAllocator(alloc: budgetedAlloc, free: budgetedFree, allocator_data: budgetPointer)
            return try withUnsafeMutablePointer(to: &allocator) { allocatorPointer in
                // protobuf-c wants a non-null data pointer even for zero bytes.
                var empty: UInt8 = 0
                let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
                guard let message = withUnsafePointer(to: &empty, { C.unpack(allocatorPointer, bytes.count, data ?? $0) }) else {
                    if budgetPointer.pointee.exceeded {
                        throw WireError.allocationBudgetExceeded(bytes: bytes.count, budget: initialBudget)
                    }
                    throw WireError.unparsable(bytes: bytes.count)
                }
                defer { C.freeUnpacked(message, allocatorPointer) }
                return try body(message)
            }
        }
    }
}

struct AllocationBudget {
    var remaining: Int
    var exceeded = false
}

private let budgetedAlloc: @convention(c) (UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer? = { data, size in
    let budget = data!.assumingMemoryBound(to: AllocationBudget.self)
    guard size <= budget.pointee.remaining else {
        budget.pointee.exceeded = true
        return nil
    }
    budget.pointee.remaining -= size
    return malloc(max(size, 1))
}

private let budgetedFree: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void = { _, pointer in
    free(pointer)
}
