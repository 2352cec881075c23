import CHDF5

/// An open HDF5 group: creates and opens child groups, datasets and links.
public struct StoreGroup: StoreNode {
    public let file: StoreFile
    let handle: H5Handle
    public let path: String
    public var objectID: hid_t { handle.id }

    init(file: StoreFile, handle: H5Handle, path: String) {
        self.file = file
        self.handle = handle
        self.path = path
    }

    /// Whether a link called `name` exists in this group (a child group, dataset or external link).
    public func contains(_ name: String) -> Bool {
        HDF5Runtime.enter()
        return H5Lexists(objectID, name, xs_H5P_DEFAULT()) > 0
    }

    /// The names of this group's links, sorted by name.
    public func childNames() throws -> [String] {
        final class Names { var values: [String] = [] }
        let names = Names()
        var index: hsize_t = 0
        let visit: H5L_iterate_t = { _, name, _, data in
            guard let name, let data else { return 0 }
            Unmanaged<Names>.fromOpaque(data).takeUnretainedValue().values.append(String(cString: name))
            return 0
        }
        try call("H5Literate") {
            H5Literate(objectID, H5_INDEX_NAME, H5_ITER_INC, &index, visit, Unmanaged.passUnretained(names).toOpaque())
        }
        return names.values
    }

    /// Whether the child `name` is a group (following external links); false for a dataset or no such child.
    public func isGroup(_ name: String) -> Bool {
        guard contains(name) else { return false }
        var info = H5O_info_t()
        guard H5Oget_info_by_name2(objectID, name, &info, UInt32(H5O_INFO_BASIC), xs_H5P_DEFAULT()) >= 0 else {
            return false
        }
        return info.type == H5O_TYPE_GROUP
    }

    /// Creates a child group, with any missing intermediate groups when `name` holds slashes.
    public func createGroup(_ name: String) throws -> StoreGroup {
        let lcpl = try linkCreationList()
        defer { H5Pclose(lcpl) }
        let gcpl = try call("H5Pcreate") { H5Pcreate(xs_H5P_GROUP_CREATE()) }
        defer { H5Pclose(gcpl) }
        try call("H5Pset_obj_track_times") { H5Pset_obj_track_times(gcpl, false) }
        let id = try HDF5Runtime.call(file.path, childPath(name), "creating group") {
            H5Gcreate2(objectID, name, lcpl, gcpl, xs_H5P_DEFAULT())
        }
        return StoreGroup(file: file, handle: H5Handle(id, closer: H5Gclose), path: childPath(name))
    }

    /// Opens a child group (following external links).
    ///
    /// - Throws: `StoreError.missing` when there is no such link.
    public func group(_ name: String) throws -> StoreGroup {
        guard contains(name) else { throw StoreError.missing(file: file.path, object: childPath(name)) }
        let id = try HDF5Runtime.call(file.path, childPath(name), "opening group") {
            H5Gopen2(objectID, name, xs_H5P_DEFAULT())
        }
        return StoreGroup(file: file, handle: H5Handle(id, closer: H5Gclose), path: childPath(name))
    }

    /// Opens a child dataset.
    ///
    /// - Throws: `StoreError.missing` when there is no such link.
    public func dataset(_ name: String) throws -> StoreDataset {
        guard contains(name) else { throw StoreError.missing(file: file.path, object: childPath(name)) }
        let id = try HDF5Runtime.call(file.path, childPath(name), "opening dataset") {
            H5Dopen2(objectID, name, xs_H5P_DEFAULT())
        }
        return StoreDataset(file: file, handle: H5Handle(id, closer: H5Dclose), path: childPath(name))
    }

    /// Removes the link `name` (the space it used is reclaimed only when the file is rewritten).
    public func remove(_ name: String) throws {
        try call("H5Ldelete \(name)") { H5Ldelete(objectID, name, xs_H5P_DEFAULT()) }
    }

    /// Creates an external link `name` → `object` in `targetFile`.
    ///
    /// A relative `targetFile` is resolved against the directory of the file holding the link, so a run
    /// directory can be moved whole (`store.h5` links to `crystals.h5`, `graphs.h5`, …).
    public func createExternalLink(_ name: String, toFile targetFile: String, object: String = "/") throws {
        let lcpl = try linkCreationList()
        defer { H5Pclose(lcpl) }
        try call("H5Lcreate_external \(name)") {
            H5Lcreate_external(targetFile, object, objectID, name, lcpl, xs_H5P_DEFAULT())
        }
    }

    /// The target `(file, object)` of the external link `name`, or `nil` when `name` is not one.
    public func externalLinkTarget(_ name: String) throws -> (file: String, object: String)? {
        guard contains(name) else { throw StoreError.missing(file: file.path, object: childPath(name)) }
        var info = H5L_info_t()
        try call("H5Lget_info \(name)") { H5Lget_info(objectID, name, &info, xs_H5P_DEFAULT()) }
        guard info.type == H5L_TYPE_EXTERNAL else { return nil }
        let size = info.u.val_size
        var buffer = [UInt8](repeating: 0, count: size)
        _ = try buffer.withUnsafeMutableBytes { raw in
            try call("H5Lget_val \(name)") { H5Lget_val(objectID, name, raw.baseAddress, size, xs_H5P_DEFAULT()) }
        }
        return try buffer.withUnsafeBytes { raw in
            var flags: UInt32 = 0
            var targetFile: UnsafePointer<CChar>?
            var targetObject: UnsafePointer<CChar>?
            try call("H5Lunpack_elink_val \(name)") {
                H5Lunpack_elink_val(raw.baseAddress, size, &flags, &targetFile, &targetObject)
            }
            // The unpacked pointers point into `buffer`: copy the strings while it is alive.
            return (targetFile.map { String(cString: $0) } ?? "", targetObject.map { String(cString: $0) } ?? "")
        }
    }

    private func linkCreationList() throws -> hid_t {
        let lcpl = try call("H5Pcreate") { H5Pcreate(xs_H5P_LINK_CREATE()) }
        try call("H5Pset_create_intermediate_group") { H5Pset_create_intermediate_group(lcpl, 1) }
        try call("H5Pset_char_encoding") { H5Pset_char_encoding(lcpl, H5T_CSET_UTF8) }
        return lcpl
    }
}
