import Foundation
import Glibc

/// A store file that becomes visible only when complete.
///
/// Writes go to `NAME.h5.partial`; `commit` stamps provenance, closes the file, fsyncs it, renames it to
/// `NAME.h5` and fsyncs the directory. A process killed before the rename leaves only the `.partial` file
/// and any earlier `NAME.h5` untouched; `removeStalePartials(in:)` cleans up on the next run. An
/// `AtomicStoreFile` released without `commit` removes its `.partial` file.
public final class AtomicStoreFile {
    /// The path the file will have once committed.
    public let finalPath: String
    /// The path written to until then.
    public let partialPath: String
    /// The open file being written.
    public let file: StoreFile
    private var finished = false

    /// The suffix of files still being written.
    public static let partialSuffix = ".partial"

    /// Starts writing `path` (through `path.partial`, replacing any stale one).
    public init(creating path: String) throws {
        finalPath = path
        partialPath = path + Self.partialSuffix
        file = try StoreFile.create(partialPath)
    }

    /// Stamps `provenance` (with `finishedAt` set to now) on the root group, closes, fsyncs and renames.
    ///
    /// - Throws: `StoreError` if closing, syncing or renaming fails; the `.partial` file is then removed.
    public func commit(_ provenance: Provenance) throws {
        precondition(!finished, "AtomicStoreFile.commit: \(finalPath) already committed or abandoned")
        do {
            var stamped = provenance
            stamped.finishedAt = Date()
            try stamped.stamp(on: try file.root)
            try file.close()
            try Self.fsync(path: partialPath, directory: false)
            guard rename(partialPath, finalPath) == 0 else {
                throw StoreError.io(file: finalPath, operation: "rename from .partial", errno: errno)
            }
            try Self.fsync(path: (finalPath as NSString).deletingLastPathComponent, directory: true)
            finished = true
        } catch {
            abandon()
            throw error
        }
    }

    /// Closes and deletes the `.partial` file without publishing it.
    public func abandon() {
        guard !finished else { return }
        finished = true
        try? file.close()
        unlink(partialPath)
    }

    deinit { abandon() }

    /// Deletes `*.partial` files left in `directory` by killed runs.
    ///
    /// - Returns: the names removed, sorted.
    @discardableResult
    public static func removeStalePartials(in directory: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw StoreError.io(file: directory, operation: "listing", errno: posixCode(of: error))
        }
        let stale = names.filter { $0.hasSuffix(partialSuffix) }.sorted()
        for name in stale {
            let path = (directory as NSString).appendingPathComponent(name)
            guard unlink(path) == 0 else { throw StoreError.io(file: path, operation: "removing", errno: errno) }
        }
        return stale
    }

    private static func fsync(path: String, directory: Bool) throws {
        let fd = open(path.isEmpty ? "." : path, directory ? O_RDONLY | O_DIRECTORY : O_RDONLY)
        guard fd >= 0 else { throw StoreError.io(file: path, operation: "opening to fsync", errno: errno) }
        defer { close(fd) }
        guard Glibc.fsync(fd) == 0 else { throw StoreError.io(file: path, operation: "fsync", errno: errno) }
    }
}

/// The POSIX error number behind a Foundation file error (EIO when there is none).
public func posixCode(of error: Error) -> Int32 {
    let nsError = error as NSError
    if nsError.domain == NSPOSIXErrorDomain { return Int32(nsError.code) }
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return Int32(underlying.code)
    }
    return EIO
}
