import CHDF5
import Foundation

/// The one place that calls libhdf5: an HDF5 file's groups, numeric datasets and integer
/// attributes, as Minari lays them out. Every call holds one process-wide lock (Debian's
/// serial libhdf5 is not thread-safe) and every failure names the file and the object.
final class HDF5File {
    let path: String
    private var file: hid_t
    private static let lock = NSRecursiveLock()
    /// Largest dataset read (elements): a damaged or hostile header cannot ask for more memory.
    static let maxElements = 1 << 28

    private init(path: String, file: hid_t) {
        self.path = path
        self.file = file
    }

    deinit { close() }

    /// Flushes and closes the file (writes are complete on disk after this); idempotent.
    func close() {
        Self.locked {
            guard file >= 0 else { return }
            H5Fclose(file)
            file = -1
        }
    }

    static func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    static func open(_ path: String) throws -> HDF5File {
        try locked {
            nexus_h5_silence_errors()
            guard FileManager.default.fileExists(atPath: path) else { throw MinariError("\(path) does not exist") }
            guard H5Fis_hdf5(path) > 0 else { throw MinariError("\(path) is not an HDF5 file") }
            let file = H5Fopen(path, nexus_h5_read_only(), nexus_h5_default())
            guard file >= 0 else { throw MinariError("cannot open \(path) with libhdf5") }
            return HDF5File(path: path, file: file)
        }
    }

    static func create(_ path: String) throws -> HDF5File {
        try locked {
            nexus_h5_silence_errors()
            let creation = nexus_h5_ordered_file_creation()
            defer { H5Pclose(creation) }
            let file = H5Fcreate(path, nexus_h5_truncate(), creation, nexus_h5_default())
            guard file >= 0 else { throw MinariError("cannot create \(path) with libhdf5") }
            return HDF5File(path: path, file: file)
        }
    }

    // MARK: Reading

    /// The names in group `path` ("/" for the root), in name order.
    func members(of path: String) throws -> [String] {
        try Self.locked {
            let group = H5Gopen2(file, path, nexus_h5_default())
            guard group >= 0 else { throw MinariError("\(self.path): no group \(path)") }
            defer { H5Gclose(group) }
            var info = H5G_info_t()
            guard H5Gget_info(group, &info) >= 0 else { throw MinariError("\(self.path): cannot list \(path)") }
            return try (0..<info.nlinks).map { index in
                let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, nexus_h5_default())
                guard length >= 0 else { throw MinariError("\(self.path): cannot read member \(index) of \(path)") }
                var name = [CChar](repeating: 0, count: Int(length) + 1)
                _ = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &name, name.count, nexus_h5_default())
                return String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }

    func exists(_ path: String) -> Bool {
        Self.locked { H5Lexists(file, path, nexus_h5_default()) > 0 }
    }

    func isGroup(_ path: String) -> Bool {
        Self.locked {
            guard H5Lexists(file, path, nexus_h5_default()) > 0 else { return false }
            let object = H5Oopen(file, path, nexus_h5_default())
            guard object >= 0 else { return false }
            defer { H5Oclose(object) }
            return H5Iget_type(object) == H5I_GROUP
        }
    }

    func readFloats(_ path: String) throws -> (shape: [Int], values: [Float]) {
        try read(path, as: Float.self, memoryType: nexus_h5_native_float(), accepting: [H5T_FLOAT, H5T_INTEGER], kind: "numbers")
    }

    func readDoubles(_ path: String) throws -> (shape: [Int], values: [Double]) {
        try read(path, as: Double.self, memoryType: nexus_h5_native_double(), accepting: [H5T_FLOAT, H5T_INTEGER], kind: "numbers")
    }

    func readIntegers(_ path: String) throws -> (shape: [Int], values: [Int64]) {
        try read(path, as: Int64.self, memoryType: nexus_h5_native_int64(), accepting: [H5T_INTEGER], kind: "integers")
    }

    /// Booleans as h5py writes them (a one-byte enum FALSE/TRUE), or any integers (non-zero:
    /// true).
    func readFlags(_ path: String) throws -> [Bool] {
        try Self.locked {
            let dataset = try openDataset(path)
            defer { H5Dclose(dataset) }
            let type = H5Dget_type(dataset)
            defer { H5Tclose(type) }
            if H5Tget_class(type) == H5T_ENUM, H5Tget_size(type) == 1 {
                let native = H5Tget_native_type(type, H5T_DIR_ASCEND)
                defer { H5Tclose(native) }
                return try readRaw(dataset, path, as: Int8.self, memoryType: native).values.map { $0 != 0 }
            }
            guard H5Tget_class(type) == H5T_INTEGER else { throw MinariError("\(self.path): \(path) holds neither booleans nor integers") }
            return try readRaw(dataset, path, as: Int64.self, memoryType: nexus_h5_native_int64()).values.map { $0 != 0 }
        }
    }

    /// An integer attribute of the object at `path`, nil if it has none.
    func integerAttribute(_ name: String, of path: String) throws -> Int64? {
        try Self.locked {
            guard H5Aexists_by_name(file, path, name, nexus_h5_default()) > 0 else { return nil }
            let attribute = H5Aopen_by_name(file, path, name, nexus_h5_default(), nexus_h5_default())
            guard attribute >= 0 else { throw MinariError("\(self.path): cannot open attribute \(name) of \(path)") }
            defer { H5Aclose(attribute) }
            var value: Int64 = 0
            guard H5Aread(attribute, nexus_h5_native_int64(), &value) >= 0 else {
                throw MinariError("\(self.path): attribute \(name) of \(path) is not an integer")
            }
            return value
        }
    }

    private func openDataset(_ path: String) throws -> hid_t {
        guard H5Lexists(file, path, nexus_h5_default()) > 0 else { throw MinariError("\(self.path): no dataset \(path)") }
        let dataset = H5Dopen2(file, path, nexus_h5_default())
        guard dataset >= 0 else { throw MinariError("\(self.path): \(path) is not a dataset") }
        return dataset
    }

    private func read<T: Numeric>(_ path: String, as: T.Type, memoryType: hid_t, accepting classes: [H5T_class_t], kind: String) throws -> (shape: [Int], values: [T]) {
        try Self.locked {
            let dataset = try openDataset(path)
            defer { H5Dclose(dataset) }
            let type = H5Dget_type(dataset)
            defer { H5Tclose(type) }
            guard classes.contains(H5Tget_class(type)) else { throw MinariError("\(self.path): \(path) does not hold \(kind)") }
            return try readRaw(dataset, path, as: T.self, memoryType: memoryType)
        }
    }

    private func readRaw<T: Numeric>(_ dataset: hid_t, _ path: String, as: T.Type, memoryType: hid_t) throws -> (shape: [Int], values: [T]) {
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard (0...8).contains(rank) else { throw MinariError("\(self.path): \(path) has rank \(rank)") }
        var dimensions = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dimensions, nil)
        let shape = dimensions.map { Int(clamping: $0) }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count <= Self.maxElements else { throw MinariError("\(self.path): \(path) has \(count) elements (at most \(Self.maxElements) are read)") }
        var values = [T](repeating: 0, count: count)
        if count > 0 {
            guard H5Dread(dataset, memoryType, nexus_h5_all(), nexus_h5_all(), nexus_h5_default(), &values) >= 0 else {
                throw MinariError("\(self.path): cannot read \(path) as \(T.self)")
            }
        }
        return (shape, values)
    }

    // MARK: Writing

    func createGroup(_ path: String) throws {
        try Self.locked {
            let creation = nexus_h5_ordered_group_creation()
            defer { H5Pclose(creation) }
            let group = H5Gcreate2(file, path, nexus_h5_default(), creation, nexus_h5_default())
            guard group >= 0 else { throw MinariError("\(self.path): cannot create group \(path)") }
            H5Gclose(group)
        }
    }

    func write(_ values: [Float], shape: [Int], to path: String) throws {
        try write(values, shape: shape, fileType: nexus_h5_native_float(), to: path)
    }

    func write(_ values: [Double], shape: [Int], to path: String) throws {
        try write(values, shape: shape, fileType: nexus_h5_native_double(), to: path)
    }

    func write(_ values: [Int64], shape: [Int], to path: String) throws {
        try write(values, shape: shape, fileType: nexus_h5_native_int64(), to: path)
    }

    /// As h5py stores numpy booleans: a one-byte enum with FALSE = 0 and TRUE = 1.
    func write(flags: [Bool], to path: String) throws {
        try Self.locked {
            let type = H5Tenum_create(nexus_h5_native_int8())
            defer { H5Tclose(type) }
            var no: Int8 = 0, yes: Int8 = 1
            H5Tenum_insert(type, "FALSE", &no)
            H5Tenum_insert(type, "TRUE", &yes)
            try write(flags.map { $0 ? Int8(1) : 0 }, shape: [flags.count], fileType: type, to: path)
        }
    }

    func setAttribute(_ name: String, _ value: Int64, on path: String) throws {
        try Self.locked {
            let space = H5Screate(H5S_SCALAR)
            defer { H5Sclose(space) }
            let attribute = H5Acreate_by_name(file, path, name, nexus_h5_native_int64(), space, nexus_h5_default(), nexus_h5_default(), nexus_h5_default())
            guard attribute >= 0 else { throw MinariError("\(self.path): cannot create attribute \(name) on \(path)") }
            defer { H5Aclose(attribute) }
            var value = value
            guard H5Awrite(attribute, nexus_h5_native_int64(), &value) >= 0 else { throw MinariError("\(self.path): cannot write attribute \(name) on \(path)") }
        }
    }

    private func write<T>(_ values: [T], shape: [Int], fileType: hid_t, to path: String) throws {
        try Self.locked {
            var dimensions = shape.map { hsize_t($0) }
            let space = H5Screate_simple(Int32(shape.count), &dimensions, nil)
            defer { H5Sclose(space) }
            let dataset = H5Dcreate2(file, path, fileType, space, nexus_h5_default(), nexus_h5_default(), nexus_h5_default())
            guard dataset >= 0 else { throw MinariError("\(self.path): cannot create dataset \(path)") }
            defer { H5Dclose(dataset) }
            let written = values.withUnsafeBytes { H5Dwrite(dataset, fileType, nexus_h5_all(), nexus_h5_all(), nexus_h5_default(), $0.baseAddress) }
            guard written >= 0 else { throw MinariError("\(self.path): cannot write dataset \(path)") }
        }
    }
}

/// A Minari dataset that cannot be read or written, with what and where.
public struct MinariError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
