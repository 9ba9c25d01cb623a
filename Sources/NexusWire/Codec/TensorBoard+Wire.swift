import CNexusProto

/// One record of a TensorBoard event file (TensorBoard's `Event` message).
public enum TensorBoardEvent: Sendable, Equatable {
    /// A file's first record: the format version TensorBoard checks.
    case fileVersion(wallTime: Double)
    /// Scalars at one step, each a `simple_value` (values are rounded to float, as
    /// TensorBoard stores them).
    case scalars(wallTime: Double, step: Int64, values: [TensorBoardScalar])

    public static let formatVersion = "brain.Event:2"
}

public struct TensorBoardScalar: Sendable, Equatable {
    public var tag: String
    public var value: Double

    public init(tag: String, value: Double) {
        self.tag = tag
        self.value = value
    }
}

/// Encodes event records with TensorBoard's field numbers (proto/nexus/v1/tensorboard.proto).
public enum TensorBoardCodec {
    /// tensorflow.DataType.DT_FLOAT, of the tensor form read back from older files.
    static let floatType: Int32 = 1

    public static func encode(_ event: TensorBoardEvent) -> [UInt8] {
        ProtobufRuntime.pack(Nexus__V1__TensorBoardEvent.self) { arena, c in
            switch event {
            case .fileVersion(let wallTime):
                c.pointee.wall_time = wallTime
                c.pointee.what_case = NEXUS__V1__TENSOR_BOARD_EVENT__WHAT_FILE_VERSION
                c.pointee.file_version = arena.string(TensorBoardEvent.formatVersion)
            case .scalars(let wallTime, let step, let values):
                c.pointee.wall_time = wallTime
                c.pointee.step = step
                let summary = arena.allocate(Nexus__V1__TensorBoardSummary.self)
                nexus__v1__tensor_board_summary__init(summary)
                summary.pointee.n_value = values.count
                summary.pointee.value = arena.messages(values) { scalar($0, in: arena) }
                c.pointee.what_case = NEXUS__V1__TENSOR_BOARD_EVENT__WHAT_SUMMARY
                c.pointee.summary = summary
            }
        }
    }

    /// A `simple_value`, as torch.utils.tensorboard writes scalars: every TensorBoard reader
    /// takes it (the legacy accumulator as a scalar, the plugin accumulator and the Rust data
    /// server as the scalars plugin's tensor).
    private static func scalar(_ scalar: TensorBoardScalar, in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__TensorBoardSummaryValue> {
        let value = arena.allocate(Nexus__V1__TensorBoardSummaryValue.self)
        nexus__v1__tensor_board_summary_value__init(value)
        value.pointee.tag = arena.string(scalar.tag)
        value.pointee.value_case = NEXUS__V1__TENSOR_BOARD_SUMMARY_VALUE__VALUE_SIMPLE_VALUE
        value.pointee.simple_value = Float(scalar.value)
        return value
    }

    /// Decodes a record Nexus wrote (the codec's tests read records back this way; TensorBoard
    /// itself is the reader that matters, see Tests/Tools/check_tensorboard.py).
    public static func decode(_ bytes: [UInt8], limits: WireLimits = .default) throws -> TensorBoardEvent {
        try bytes.withUnsafeBytes { raw in
            try ProtobufRuntime.withUnpacked(Nexus__V1__TensorBoardEvent.self, raw, limits: limits) { message in
                let m = message.pointee
                let reader = CFieldReader(limits: limits)
                switch m.what_case {
                case NEXUS__V1__TENSOR_BOARD_EVENT__WHAT_FILE_VERSION:
                    return .fileVersion(wallTime: m.wall_time)
                case NEXUS__V1__TENSOR_BOARD_EVENT__WHAT_SUMMARY:
                    let summary = try reader.required(m.summary, field: "event.summary")
                    let values = try reader.messages(summary.pointee.value, count: summary.pointee.n_value, field: "event.summary.value") { value, field in
                        let tag = try reader.string(value.pointee.tag, field: field + ".tag")
                        switch value.pointee.value_case {
                        case NEXUS__V1__TENSOR_BOARD_SUMMARY_VALUE__VALUE_SIMPLE_VALUE:
                            return TensorBoardScalar(tag: tag, value: Double(value.pointee.simple_value))
                        case NEXUS__V1__TENSOR_BOARD_SUMMARY_VALUE__VALUE_TENSOR:
                            // The scalars plugin's tensor form, as earlier Nexus versions wrote it.
                            let tensor = try reader.required(value.pointee.tensor, field: field + ".tensor")
                            guard tensor.pointee.dtype == floatType, tensor.pointee.n_float_val == 1 else {
                                throw WireError.invalidField(field + ".tensor", reason: "not a float scalar")
                            }
                            return TensorBoardScalar(tag: tag, value: Double(tensor.pointee.float_val[0]))
                        default:
                            throw WireError.invalidField(field, reason: "neither a simple_value nor a tensor")
                        }
                    }
                    return .scalars(wallTime: m.wall_time, step: m.step, values: values)
                default:
                    throw WireError.invalidField("event", reason: "neither a file version nor a summary")
                }
            }
        }
    }
}
