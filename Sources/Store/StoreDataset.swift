import CHDF5

/// An open HDF5 dataset: shape queries and whole or row-range reads.
public struct StoreDataset: StoreNode {
    public let file: StoreFile
    let handle: H5Handle
    public let path: String
    public var objectID: hid_t { handle.id }

    init(file: StoreFile, handle: H5Handle, path: String) {
        self.file = file
        self.handle = handle
        self.path = path
    }

    /// The current extent of each axis (`[]` for a scalar dataset).
    public func shape() throws -> [Int] {
        let space = try call("H5Dget_space") { H5Dget_space(objectID) }
        defer { H5Sclose(space) }
        let rank = try call("H5Sget_simple_extent_ndims") { H5Sget_simple_extent_ndims(space) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try call("H5Sget_simple_extent_dims") { H5Sget_simple_extent_dims(space, &dims, nil) }
        return dims.map { Int($0) }
    }

    /// The stored element type, in `StoreScalar.typeName` vocabulary (`float32`, `int64`, `string`, …).
    public func typeName() throws -> String {
        let type = try call("H5Dget_type") { H5Dget_type(objectID) }
        defer { H5Tclose(type) }
        return describeType(type)
    }

    /// Reads the whole dataset.
    ///
    /// - Parameters:
    ///   - type: the element type to read as.
    ///   - threads: threads that decompress zstd chunks; the values do not depend on it.
    /// - Returns: the values and shape.
    /// - Throws: `StoreError.typeMismatch` when the stored type is not `T`; `.hdf5` or `.corrupt` when a
    ///   chunk cannot be read or decompressed (a damaged file).
    public func read<T: StoreScalar>(
        as type: T.Type = T.self, threads: Int = DatasetOptions.defaultThreads
    ) throws -> NDArray<T> {
        let shape = try shape()
        return try read(rows: 0..<(shape.first ?? 1), as: type, threads: threads)
    }

    /// Reads the entries `rows` along the first axis (for a scalar dataset, `0..<1`).
    public func read<T: StoreScalar>(
        rows: Range<Int>, as type: T.Type = T.self, threads: Int = DatasetOptions.defaultThreads
    ) throws -> NDArray<T> {
        try checkType(T.self)
        let full = try shape()
        let rowCount = full.first ?? 1
        precondition(
            rows.lowerBound >= 0 && rows.upperBound <= rowCount,
            "StoreDataset.read: rows \(rows) outside 0..<\(rowCount) of \(path)")
        let shape = full.isEmpty ? [] : [rows.count] + full.dropFirst()
        let count = shape.reduce(1, *)
        let chunks =
            hostIsLittleEndian
            ? try ChunkedIO.zstdLayout(of: self, shape: full, elementBytes: MemoryLayout<T>.stride, threads: threads)
            : nil
        let values = try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                if let chunks {
                    try chunks.read(rows: rows, into: UnsafeMutableRawBufferPointer(buffer))
                } else {
                    try withRowSelection(rows, full: full) { memorySpace, fileSpace in
                        try call("reading") {
                            H5Dread(
                                objectID, T.memoryType, memorySpace, fileSpace, xs_H5P_DEFAULT(), buffer.baseAddress)
                        }
                    }
                }
            }
            initialized = count
        }
        return NDArray(shape: shape, values: values)
    }

    /// Reads a dataset of strings (variable- or fixed-length), flattened in row-major order.
    public func readStrings() throws -> [String] {
        let type = try call("H5Dget_type") { H5Dget_type(objectID) }
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING else {
            throw StoreError.typeMismatch(file: file.path, object: path, expected: "string", found: describeType(type))
        }
        let count = try shape().reduce(1, *)
        return try StringCodec.read(count: count, fileType: type, context: (file.path, path)) { memoryType, buffer in
            H5Dread(objectID, memoryType, xs_H5S_ALL(), xs_H5S_ALL(), xs_H5P_DEFAULT(), buffer)
        }
    }

    func checkType<T: StoreScalar>(_ type: T.Type) throws {
        let stored = try call("H5Dget_type") { H5Dget_type(objectID) }
        defer { H5Tclose(stored) }
        try checkScalarType(stored, type, file: file.path, object: path)
    }

    /// Calls `body` with memory and file dataspaces selecting `rows` along the first axis.
    func withRowSelection(_ rows: Range<Int>, full: [Int], _ body: (hid_t, hid_t) throws -> Void) throws {
        if full.isEmpty {
            try body(xs_H5S_ALL(), xs_H5S_ALL())
            return
        }
        let fileSpace = try call("H5Dget_space") { H5Dget_space(objectID) }
        defer { H5Sclose(fileSpace) }
        var start = [hsize_t](repeating: 0, count: full.count)
        start[0] = hsize_t(rows.lowerBound)
        let count = [hsize_t(rows.count)] + full.dropFirst().map { hsize_t($0) }
        try call("H5Sselect_hyperslab") { H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil) }
        let memorySpace = try makeDataspace(count.map { Int($0) }, file: file.path, object: path)
        defer { H5Sclose(memorySpace) }
        try body(memorySpace, fileSpace)
    }
}
