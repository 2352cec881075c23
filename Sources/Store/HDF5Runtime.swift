import CHDF5
import Glibc

/// Process- and thread-level HDF5 setup, and the one place where C return codes become Swift errors.
///
/// The process-level part runs once (a lazy static): open the library and register the zstd filter.
/// HDF5's thread-safe build keeps its error stack, and the choice of auto-printing it, per thread, so
/// every thread that calls HDF5 silences printing on its first call.
///
/// HDF5's own clean-up at process exit is turned off (`H5dont_atexit`): every file XtalScreen writes is closed
/// (committed or abandoned) before then, and after a write that failed for want of disk space HDF5 1.10's
/// clean-up walked a half-closed file and crashed, turning a clear error into a segmentation fault.
enum HDF5Runtime {
    private static let processSetup: Bool = {
        H5dont_atexit()
        guard H5open() >= 0 else { return false }
        return ZstdFilter.register()
    }()

    private static let silencedKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Prepares the calling thread for HDF5 calls; cheap after the first call on a thread.
    static func enter() {
        precondition(processSetup, "HDF5Runtime: H5open or H5Zregister(zstd) failed")
        if pthread_getspecific(silencedKey) == nil {
            H5Eset_auto2(xs_H5E_DEFAULT(), nil, nil)
            pthread_setspecific(silencedKey, UnsafeRawPointer(bitPattern: 1))
        }
    }

    /// Runs one HDF5 call and throws `StoreError.hdf5` when it returns a negative value.
    ///
    /// - Parameters:
    ///   - file: the file path, for the error message.
    ///   - object: the HDF5 object path, for the error message.
    ///   - operation: what was being done, such as `"reading"`.
    ///   - body: the C call.
    /// - Returns: the call's non-negative result.
    /// - Throws: `StoreError.hdf5` with HDF5's innermost error description.
    @discardableResult
    static func call<R: BinaryInteger>(
        _ file: String, _ object: String, _ operation: String, _ body: () -> R
    ) throws -> R {
        enter()
        let result = body()
        if result < 0 {
            throw StoreError.hdf5(file: file, object: object, operation: operation, message: takeErrorMessage())
        }
        return result
    }

    /// How long, in milliseconds of waiting, an open refused by a file's lock is retried (`openFile`).
    static let lockPatience = 5000

    /// Runs `body`, an `H5Fopen` or `H5Fcreate` of `file`, and runs it again while it fails only because the
    /// file's lock is held, waiting 1, 2, 4 … 64 ms between tries, `patience` milliseconds of waiting in all.
    ///
    /// HDF5 locks a file with `flock`, a lock that belongs to the open file description, and opens it without
    /// close-on-exec. A child process that another thread starts while the file is open shares the description
    /// until its `exec`. `StoreFile` releases the lock when it closes a file, but HDF5 closes the files it opens
    /// itself (a virtual dataset's sources, external links' targets) without, so their shared locks can outlive
    /// the close by that long and refuse a writer here meanwhile (`EWOULDBLOCK`); another program may hold a lock
    /// for a moment too. A lock that stays held is reported once the patience has run out.
    ///
    /// - Throws: `StoreError.hdf5` with HDF5's innermost error description.
    static func openFile(
        _ file: String, _ operation: String, patience: Int = lockPatience, _ body: () -> hid_t
    ) throws -> hid_t {
        enter()
        var waited = 0
        var wait = 1
        while true {
            let id = body()
            if id >= 0 { return id }
            let error = takeError()
            guard error.lockRefused, waited + wait <= patience else {
                throw StoreError.hdf5(file: file, object: "/", operation: operation, message: error.message)
            }
            usleep(UInt32(wait * 1000))
            waited += wait
            wait = min(2 * wait, 64)
        }
    }

    /// Reads and clears the calling thread's HDF5 error stack.
    ///
    /// Returns the innermost description, the most specific one ("truncated file: eof = 96, …").
    static func takeErrorMessage() -> String { takeError().message }

    /// Reads and clears the calling thread's HDF5 error stack: the innermost description, and whether any entry
    /// says that a file's lock was refused (`H5E_CANTLOCKFILE`).
    private static func takeError() -> (message: String, lockRefused: Bool) {
        final class Collector {
            var messages: [String] = []
            var lockRefused = false
        }
        let collector = Collector()
        let walker: H5E_walk2_t = { _, entry, data in
            guard let entry, let data else { return 0 }
            let box = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
            if let desc = entry.pointee.desc {
                box.messages.append(String(cString: desc))
            }
            if entry.pointee.min_num == xs_H5E_CANTLOCKFILE() { box.lockRefused = true }
            return 0
        }
        H5Ewalk2(xs_H5E_DEFAULT(), H5E_WALK_UPWARD, walker, Unmanaged.passUnretained(collector).toOpaque())
        H5Eclear2(xs_H5E_DEFAULT())
        let useful = collector.messages.filter { !$0.isEmpty }
        return (oneLine(useful.first ?? "unknown HDF5 error"), collector.lockRefused)
    }

    /// HDF5's description on one line: a failed system call ("file write failed: time = …, errno = 28, error
    /// message = 'No space left on device', …", "unable to lock file, errno = 11, …") becomes what failed, the
    /// words before the first colon or comma, and why ("file write failed: No space left on device (errno 28)");
    /// other descriptions keep their words, line breaks folded.
    static func oneLine(_ description: String) -> String {
        let folded = description.split(whereSeparator: \.isNewline).joined(separator: " ")
        guard let reason = folded.range(of: "error message = '"),
            let end = folded[reason.upperBound...].firstIndex(of: "'")
        else { return folded }
        let what = folded.prefix { $0 != ":" && $0 != "," }
        var number = ""
        if let errno = folded.range(of: "errno = ") {
            number = " (errno " + folded[errno.upperBound...].prefix { $0.isNumber } + ")"
        }
        return "\(what): \(folded[reason.upperBound..<end])\(number)"
    }
}
