import CHDF5
import Foundation

/// An open HDF5 file.
///
/// Opened with `H5F_CLOSE_STRONG`: `close()` closes every object still open in it, so the file is really
/// closed (and can be fsynced and renamed) when `close()` returns. Groups and datasets keep their file
/// alive; the file closes when `close()` is called or the last reference goes.
///
/// A virtual dataset (a stitched file's) reads fill values, with no error, for a source file HDF5 cannot open,
/// such as one open here as a `StoreFile` at the time (HDF5 shares an open file only with opens of the same close
/// degree): `requireEncoding` refuses a stitched file whose shards HDF5 cannot open.
public final class StoreFile: @unchecked Sendable {
    /// The path the file was opened or created with.
    public let path: String
    let handle: H5Handle

    private init(path: String, id: hid_t) {
        self.path = path
        self.handle = H5Handle(id, closer: Self.closeReleasingLock)
    }

    /// `H5Fclose(id)`, then the release of the file's lock if HDF5 closed its descriptor.
    ///
    /// HDF5 locks a file with `flock` on a descriptor opened without close-on-exec and does not unlock it at
    /// close; the lock lasts while any copy of the descriptor does. A child process that another thread started
    /// while the file was open holds a copy until its `exec`, and with it the lock. Meanwhile this process could not open the file again (`EWOULDBLOCK`),
    /// and HDF5's own opens of it as a virtual dataset's source failed silently, reading fill values. So the
    /// descriptor is duplicated before the close and unlocked through the duplicate after it, unless HDF5 still
    /// has the file open (another identifier of it in this process keeps the descriptor).
    @discardableResult
    private static func closeReleasingLock(_ id: hid_t) -> herr_t {
        var handle: UnsafeMutableRawPointer?
        var descriptor: Int32 = -1
        var duplicate: Int32 = -1
        if H5Fget_vfd_handle(id, xs_H5P_DEFAULT(), &handle) >= 0, let handle {
            descriptor = handle.load(as: Int32.self)
            duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        } else {
            H5Eclear2(xs_H5E_DEFAULT())
        }
        let status = H5Fclose(id)
        if duplicate >= 0 {
            if !sameOpenFile(descriptor, duplicate) { flock(duplicate, LOCK_UN) }
            Glibc.close(duplicate)
        }
        return status
    }

    /// Whether descriptor `a` is open on the file that `b` is open on (same device and inode).
    private static func sameOpenFile(_ a: Int32, _ b: Int32) -> Bool {
        var first = stat()
        var second = stat()
        guard fstat(a, &first) == 0, fstat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// Opens `path` read-only as HDF5 opens a virtual dataset's source file (its default access, close degree
    /// included), and closes it: a source HDF5 cannot open reads as fill values, with no error.
    ///
    /// - Throws: `StoreError.notHDF5`, or `.hdf5` for a truncated or corrupt file, one that is locked, or one open
    ///   here as a `StoreFile` (whose close degree HDF5 will not share).
    static func requireOpenableAsSource(_ path: String) throws {
        try requireSignature(path)
        let id = try HDF5Runtime.openFile(path, "opening") { H5Fopen(path, xs_H5F_ACC_RDONLY(), xs_H5P_DEFAULT()) }
        closeReleasingLock(id)
    }

    /// - Throws: `StoreError.notHDF5` when `path` does not start with HDF5's signature.
    private static func requireSignature(_ path: String) throws {
        HDF5Runtime.enter()
        if H5Fis_hdf5(path) <= 0 {
            H5Eclear2(xs_H5E_DEFAULT())
            throw StoreError.notHDF5(file: path)
        }
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
        try requireSignature(path)
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
