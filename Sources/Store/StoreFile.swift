import CHDF5
import Foundation

/// An open HDF5 file.
///
/// Opened with `H5F_CLOSE_STRONG`: `close()` closes every object still open in it, so the file is really
/// closed (and can be fsynced and renamed) when `close()` returns. Groups and datasets keep their file
/// alive; the file closes when `close()` is called or the last reference goes.
public final class StoreFile: @unchecked Sendable {
    /// The path the file was opened or created with.
    public let path: String
    let handle: H5Handle

    private init(path: String, id: hid_t) {
        self.path = path
        self.handle = H5Handle(id, closer: H5Fclose)
    }

    /// Creates a file, replacing any file at `path`.
    ///
    /// - Throws: `StoreError.hdf5` when the file cannot be created.
    public static func create(_ path: String) throws -> StoreFile {
        let fapl = try accessList(path)
        defer { H5Pclose(fapl) }
        let id = try HDF5Runtime.openFile(path, "H5Fcreate") {
            H5Fcreate(path, xs_H5F_ACC_TRUNC(), xs_H5P_DEFAULT(), fapl)
        }
        return StoreFile(path: path, id: id)
    }

    /// Opens an existing file.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - writable: open for reading and writing; otherwise read-only.
    /// - Returns: the open file.
    /// - Throws: `StoreError.fileNotFound`, `.notHDF5`, or `.hdf5` for a truncated or corrupt file, or for a
    ///   file whose lock another program has held for 5 s of retries (`HDF5Runtime.openFile`).
    public static func open(_ path: String, writable: Bool = false) throws -> StoreFile {
        try open(path, writable: writable, lockPatience: HDF5Runtime.lockPatience)
    }

    /// `open(_:writable:)`, waiting at most `lockPatience` milliseconds for a held lock.
    static func open(_ path: String, writable: Bool, lockPatience: Int) throws -> StoreFile {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.fileNotFound(file: path) }
        HDF5Runtime.enter()
        if H5Fis_hdf5(path) <= 0 {
            H5Eclear2(xs_H5E_DEFAULT())
            throw StoreError.notHDF5(file: path)
        }
        let fapl = try accessList(path)
        defer { H5Pclose(fapl) }
        let flags = writable ? xs_H5F_ACC_RDWR() : xs_H5F_ACC_RDONLY()
        let id = try HDF5Runtime.openFile(path, "opening", patience: lockPatience) { H5Fopen(path, flags, fapl) }
        return StoreFile(path: path, id: id)
    }

    private static func accessList(_ path: String) throws -> hid_t {
        let fapl = try HDF5Runtime.call(path, "/", "H5Pcreate") { H5Pcreate(xs_H5P_FILE_ACCESS()) }
        try HDF5Runtime.call(path, "/", "H5Pset_fclose_degree") { H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) }
        return fapl
    }

    /// The root group `/`.
    public var root: StoreGroup {
        get throws { try StoreGroup(file: self, handle: openGroupHandle("/"), path: "/") }
    }

    /// Opens the group at absolute or root-relative `path`, following external links.
    public func group(_ path: String) throws -> StoreGroup {
        let absolute = path.hasPrefix("/") ? path : "/" + path
        return try StoreGroup(file: self, handle: openGroupHandle(absolute), path: absolute)
    }

    private func openGroupHandle(_ objectPath: String) throws -> H5Handle {
        let id = try HDF5Runtime.call(self.path, objectPath, "opening group") {
            H5Gopen2(handle.id, objectPath, xs_H5P_DEFAULT())
        }
        return H5Handle(id, closer: H5Gclose)
    }

    /// Writes buffered data to disk without closing.
    public func flush() throws {
        try HDF5Runtime.call(path, "/", "H5Fflush") { H5Fflush(handle.id, H5F_SCOPE_GLOBAL) }
    }

    /// Closes the file and every object still open in it; closing twice is harmless.
    ///
    /// The objects are closed one by one first, datasets before groups, then the file. Left to `H5F_CLOSE_STRONG`
    /// after a failed write (a full disk, a file-size limit), HDF5 1.10 could free a dataset's file while the
    /// dataset's identifier stayed valid, and a later `H5Dclose` dereferenced it (a crash instead of an error).
    public func close() throws {
        guard handle.isValid else { return }
        for type in [H5F_OBJ_ATTR, H5F_OBJ_DATASET, H5F_OBJ_DATATYPE, H5F_OBJ_GROUP] {
            let count = H5Fget_obj_count(handle.id, UInt32(type) | UInt32(H5F_OBJ_LOCAL))
            guard count > 0 else { continue }
            var ids = [hid_t](repeating: 0, count: Int(count))
            let found = H5Fget_obj_ids(handle.id, UInt32(type) | UInt32(H5F_OBJ_LOCAL), Int(count), &ids)
            for id in ids.prefix(max(0, Int(found))) where H5Iis_valid(id) > 0 {
                switch type {
                case H5F_OBJ_ATTR: H5Aclose(id)
                case H5F_OBJ_DATASET: H5Dclose(id)
                case H5F_OBJ_DATATYPE: H5Tclose(id)
                default: H5Gclose(id)
                }
            }
        }
        try HDF5Runtime.call(path, "/", "H5Fclose") { handle.close() }
    }
}
