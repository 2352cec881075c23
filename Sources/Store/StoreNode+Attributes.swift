import CHDF5

/// Scalar and array attributes of numbers and UTF-8 strings. Setting an attribute replaces any old one.
extension StoreNode {
    /// Whether the object has an attribute called `name`.
    public func hasAttribute(_ name: String) -> Bool {
        HDF5Runtime.enter()
        return H5Aexists(objectID, name) > 0
    }

    /// The names of all attributes, in creation order as HDF5 reports them.
    public func attributeNames() throws -> [String] {
        var info = H5O_info_t()
        try call("H5Oget_info") { H5Oget_info2(objectID, &info, UInt32(H5O_INFO_NUM_ATTRS)) }
        var names: [String] = []
        for index in 0..<info.num_attrs {
            let length = try call("H5Aget_name_by_idx") {
                H5Aget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, xs_H5P_DEFAULT())
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try call("H5Aget_name_by_idx") {
                H5Aget_name_by_idx(
                    objectID, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, xs_H5P_DEFAULT())
            }
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Sets a scalar numeric attribute.
    public func setAttribute<T: StoreScalar>(_ name: String, _ value: T) throws {
        try writeAttribute(name, [value], shape: nil)
    }

    /// Sets a one-dimensional numeric attribute.
    public func setAttribute<T: StoreScalar>(_ name: String, _ values: [T]) throws {
        try writeAttribute(name, values, shape: [values.count])
    }

    /// Sets a scalar variable-length UTF-8 string attribute.
    public func setAttribute(_ name: String, _ value: String) throws {
        try writeStringAttribute(name, [value], shape: nil)
    }

    /// Sets a one-dimensional attribute of variable-length UTF-8 strings.
    public func setAttribute(_ name: String, _ values: [String]) throws {
        try writeStringAttribute(name, values, shape: [values.count])
    }

    /// Reads a scalar numeric attribute (or the single element of a one-element array).
    ///
    /// - Throws: `StoreError.missing` when absent, `.typeMismatch` for another type or more elements.
    public func attribute<T: StoreScalar>(_ name: String, as type: T.Type = T.self) throws -> T {
        let values = try attributeArray(name, as: type)
        guard values.count == 1 else {
            throw StoreError.typeMismatch(
                file: file.path, object: "\(path)@\(name)", expected: "one value", found: "\(values.count)")
        }
        return values[0]
    }

    /// Reads a numeric attribute as a flat array (scalar attributes give one element).
    public func attributeArray<T: StoreScalar>(_ name: String, as type: T.Type = T.self) throws -> [T] {
        let attribute = try openAttribute(name)
        defer { H5Aclose(attribute) }
        let fileType = try call("H5Aget_type") { H5Aget_type(attribute) }
        defer { H5Tclose(fileType) }
        try checkScalarType(fileType, T.self, file: file.path, object: "\(path)@\(name)")
        let count = try elementCount(attribute)
        guard count > 0 else { return [] }
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try call("H5Aread \(name)") { H5Aread(attribute, T.memoryType, buffer.baseAddress) }
            initialized = count
        }
    }

    /// Reads a scalar string attribute.
    public func stringAttribute(_ name: String) throws -> String {
        let values = try stringArrayAttribute(name)
        guard values.count == 1 else {
            throw StoreError.typeMismatch(
                file: file.path, object: "\(path)@\(name)", expected: "one string", found: "\(values.count)")
        }
        return values[0]
    }

    /// Reads a string attribute as an array; variable- and fixed-length strings are both accepted.
    public func stringArrayAttribute(_ name: String) throws -> [String] {
        let attribute = try openAttribute(name)
        defer { H5Aclose(attribute) }
        let fileType = try call("H5Aget_type") { H5Aget_type(attribute) }
        defer { H5Tclose(fileType) }
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw StoreError.typeMismatch(
                file: file.path, object: "\(path)@\(name)", expected: "string", found: describeType(fileType))
        }
        let count = try elementCount(attribute)
        return try StringCodec.read(
            count: count, fileType: fileType, context: (file.path, "\(path)@\(name)")
        ) { memoryType, buffer in
            H5Aread(attribute, memoryType, buffer)
        }
    }

    private func openAttribute(_ name: String) throws -> hid_t {
        guard hasAttribute(name) else { throw StoreError.missing(file: file.path, object: "\(path)@\(name)") }
        return try call("H5Aopen \(name)") { H5Aopen(objectID, name, xs_H5P_DEFAULT()) }
    }

    private func elementCount(_ attribute: hid_t) throws -> Int {
        let space = try call("H5Aget_space") { H5Aget_space(attribute) }
        defer { H5Sclose(space) }
        return Int(H5Sget_simple_extent_npoints(space))
    }

    private func createAttribute(_ name: String, type: hid_t, shape: [Int]?) throws -> hid_t {
        if hasAttribute(name) { try call("H5Adelete \(name)") { H5Adelete(objectID, name) } }
        let space = try makeDataspace(shape, file: file.path, object: path)
        defer { H5Sclose(space) }
        return try call("H5Acreate \(name)") {
            H5Acreate2(objectID, name, type, space, xs_H5P_DEFAULT(), xs_H5P_DEFAULT())
        }
    }

    private func writeAttribute<T: StoreScalar>(_ name: String, _ values: [T], shape: [Int]?) throws {
        let attribute = try createAttribute(name, type: T.fileType, shape: shape)
        defer { H5Aclose(attribute) }
        guard !values.isEmpty else { return }
        _ = try values.withUnsafeBufferPointer { buffer in
            try call("H5Awrite \(name)") { H5Awrite(attribute, T.memoryType, buffer.baseAddress) }
        }
    }

    private func writeStringAttribute(_ name: String, _ values: [String], shape: [Int]?) throws {
        let type = try StringCodec.makeType(file: file.path, object: path)
        defer { H5Tclose(type) }
        let attribute = try createAttribute(name, type: type, shape: shape)
        defer { H5Aclose(attribute) }
        guard !values.isEmpty else { return }
        _ = try StringCodec.withCStrings(values) { pointers in
            try call("H5Awrite \(name)") { H5Awrite(attribute, type, pointers) }
        }
    }
}

/// Checks that a stored type matches `T` in class, size and signedness.
func checkScalarType<T: StoreScalar>(_ stored: hid_t, _ type: T.Type, file: String, object: String) throws {
    guard H5Tequal(stored, T.fileType) > 0 || describeType(stored) == T.typeName else {
        throw StoreError.typeMismatch(file: file, object: object, expected: T.typeName, found: describeType(stored))
    }
}

/// A simple dataspace of `shape`, or a scalar dataspace for `nil`.
func makeDataspace(_ shape: [Int]?, maxShape: [hsize_t]? = nil, file: String, object: String) throws -> hid_t {
    guard let shape else {
        return try HDF5Runtime.call(file, object, "H5Screate") { H5Screate(H5S_SCALAR) }
    }
    let dims = shape.map { hsize_t($0) }
    return try HDF5Runtime.call(file, object, "H5Screate_simple") {
        H5Screate_simple(Int32(dims.count), dims, maxShape)
    }
}

extension StoreNode {
    /// Copies `source`'s attributes (any type and shape, strings included) onto this object, except those
    /// `excluding` names; an attribute of the same name here is replaced.
    public func copyAttributes(from source: some StoreNode, excluding: (String) -> Bool = { _ in false }) throws {
        for name in try source.attributeNames() where !excluding(name) {
            let attribute = try source.call("H5Aopen \(name)") { H5Aopen(source.objectID, name, xs_H5P_DEFAULT()) }
            defer { H5Aclose(attribute) }
            let type = try source.call("H5Aget_type \(name)") { H5Aget_type(attribute) }
            defer { H5Tclose(type) }
            let space = try source.call("H5Aget_space \(name)") { H5Aget_space(attribute) }
            defer { H5Sclose(space) }
            let bytes = H5Tget_size(type) * Int(max(H5Sget_simple_extent_npoints(space), 1))
            var buffer = [UInt8](repeating: 0, count: bytes)
            if hasAttribute(name) { try call("H5Adelete \(name)") { H5Adelete(objectID, name) } }
            let copy = try call("H5Acreate \(name)") {
                H5Acreate2(objectID, name, type, space, xs_H5P_DEFAULT(), xs_H5P_DEFAULT())
            }
            defer { H5Aclose(copy) }
            try buffer.withUnsafeMutableBytes { raw in
                try source.call("H5Aread \(name)") { H5Aread(attribute, type, raw.baseAddress) }
                // Variable-length strings were read as pointers HDF5 allocated: release them after the write.
                defer { H5Dvlen_reclaim(type, space, xs_H5P_DEFAULT(), raw.baseAddress) }
                try call("H5Awrite \(name)") { H5Awrite(copy, type, raw.baseAddress) }
            }
        }
    }
}
