/// A dense row-major `Float` array with a shape. An empty shape is a scalar.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    /// Builds a tensor; the shape's product must equal `data.count` (checked by `validate`).
    public init(shape: [Int], data: [Float]) {
        self.shape = shape
        self.data = data
    }

    /// A `[rows, columns]` matrix.
    public init(rows: Int, columns: Int, data: [Float]) {
        self.init(shape: [rows, columns], data: data)
    }

    /// A `[0, columns]` matrix: no rows, but the width is still carried.
    public static func empty(columns: Int) -> Tensor { Tensor(shape: [0, columns], data: []) }

    public var rank: Int { shape.count }
    public var rows: Int { shape.first ?? 1 }
    public var columns: Int { shape.count >= 2 ? shape[1] : 1 }

    /// The element count the shape implies, or nil if it overflows or a dimension is negative.
    public static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Checks shape against data length and that every value is finite.
    public func validate(field: String, limits: WireLimits = .default) throws {
        guard shape.count <= limits.maxTensorRank else {
            throw WireError.limitExceeded(field: field + ".shape", value: shape.count, limit: limits.maxTensorRank)
        }
        guard data.count <= limits.maxTensorElements else {
            throw WireError.limitExceeded(field: field + ".data", value: data.count, limit: limits.maxTensorElements)
        }
        guard Tensor.elementCount(of: shape) == data.count else {
            throw WireError.shapeMismatch(field: field, shape: shape.map { UInt64(clamping: $0) }, dataCount: data.count)
        }
        try FiniteCheck.require(data, field: field + ".data")
    }

    /// Checks that this is a `[rows, columns]` matrix; `nil` skips that dimension.
    func requireMatrix(field: String, rows: Int? = nil, columns: Int? = nil) throws {
        guard shape.count == 2 else {
            throw WireError.invalidField(field, reason: "expected a matrix (rank 2), got rank \(shape.count)")
        }
        if let rows, shape[0] != rows {
            throw WireError.dimensionMismatch(field: field + ".rows", expected: rows, received: shape[0])
        }
        if let columns, shape[1] != columns {
            throw WireError.dimensionMismatch(field: field + ".columns", expected: columns, received: shape[1])
        }
    }
}

/// One scan over float bits; written without early exit so it vectorises.
enum FiniteCheck {
    static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        let exponent: UInt32 = 0x7f80_0000
        var bad: UInt32 = 0
        for value in values {
            bad |= (value.bitPattern & exponent) == exponent ? 1 : 0
        }
        guard bad != 0 else { return nil }
        return values.firstIndex { !$0.isFinite }
    }

    static func require(_ values: [Float], field: String) throws {
        if let index = values.withUnsafeBufferPointer(firstNonFinite) {
            throw WireError.nonFinite(field: field, index: index)
        }
    }
}
