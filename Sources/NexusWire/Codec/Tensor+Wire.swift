import CNexusProto

extension Tensor {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__Tensor> {
        let message = arena.allocate(Nexus__V1__Tensor.self)
        nexus__v1__tensor__init(message)
        message.pointee.n_shape = shape.count
        message.pointee.shape = arena.copy(shape, as: UInt64.self) { UInt64($0) }
        message.pointee.n_data = data.count
        message.pointee.data = arena.copy(data)
        return message
    }

    init(decoding message: UnsafePointer<Nexus__V1__Tensor>, field: @autoclosure () -> String, reader: CFieldReader) throws {
        let rank = message.pointee.n_shape
        guard rank <= reader.limits.maxTensorRank else {
            throw WireError.limitExceeded(field: field() + ".shape", value: rank, limit: reader.limits.maxTensorRank)
        }
        let rawShape = try reader.array(message.pointee.shape, count: rank, field: field() + ".shape")
        let elements = message.pointee.n_data
        guard rawShape.allSatisfy({ $0 <= UInt64(Int.max) }),
            let count = Tensor.elementCount(of: rawShape.map { Int($0) }), count == elements
        else {
            throw WireError.shapeMismatch(field: field(), shape: rawShape, dataCount: elements)
        }
        self.init(shape: rawShape.map { Int($0) }, data: try reader.array(message.pointee.data, count: elements, field: field() + ".data"))
    }

    static func decodeOptional(_ message: UnsafeMutablePointer<Nexus__V1__Tensor>?, field: @autoclosure () -> String, reader: CFieldReader) throws -> Tensor? {
        guard let message else { return nil }
        return try Tensor(decoding: message, field: field(), reader: reader)
    }

    static func decodeRequired(_ message: UnsafeMutablePointer<Nexus__V1__Tensor>?, field: @autoclosure () -> String, reader: CFieldReader) throws -> Tensor {
        try Tensor(decoding: reader.required(message, field: field()), field: field(), reader: reader)
    }
}

extension NamedTensor {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__NamedTensor> {
        let message = arena.allocate(Nexus__V1__NamedTensor.self)
        nexus__v1__named_tensor__init(message)
        message.pointee.name = arena.string(name)
        message.pointee.tensor = tensor.build(in: arena)
        return message
    }

    init(decoding message: UnsafePointer<Nexus__V1__NamedTensor>, field: String, reader: CFieldReader) throws {
        self.init(
            name: try reader.string(message.pointee.name, field: field + ".name"),
            tensor: try Tensor.decodeRequired(message.pointee.tensor, field: field + ".tensor", reader: reader))
    }
}
