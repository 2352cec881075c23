import Glibc

/// A data or environment error from the store: every case names the file and, where there is one, the
/// HDF5 object path, so the one-line `description` says where the problem is.
public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file does not exist.
    case fileNotFound(file: String)
    /// The file exists but has no HDF5 signature.
    case notHDF5(file: String)
    /// An HDF5 call failed; `message` is HDF5's own innermost error description.
    case hdf5(file: String, object: String, operation: String, message: String)
    /// The object exists but is not what the caller needs (wrong element type, rank, kind).
    case typeMismatch(file: String, object: String, expected: String, found: String)
    /// A required group, dataset or attribute is absent.
    case missing(file: String, object: String)
    /// The object's `encoding_type` attribute is absent or names another encoding.
    case wrongEncoding(file: String, object: String, expected: String, found: String?)
    /// The object's `encoding_version` is one this build cannot read.
    case unsupportedVersion(file: String, object: String, encoding: String, version: String, supported: [String])
    /// The stored values break an invariant of their encoding (e.g. CSR offsets that go backwards).
    case corrupt(file: String, object: String, reason: String)
    /// A file-system operation on a store file failed.
    case io(file: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .fileNotFound(let file):
            return "\(file): no such file"
        case .notHDF5(let file):
            return "\(file): not an HDF5 file"
        case .hdf5(let file, let object, let operation, let message):
            return "\(file):\(object): \(operation) failed: \(message)"
        case .typeMismatch(let file, let object, let expected, let found):
            return "\(file):\(object): expected \(expected), found \(found)"
        case .missing(let file, let object):
            return "\(file):\(object): not found"
        case .wrongEncoding(let file, let object, let expected, let found):
            return "\(file):\(object): encoding_type is \(found.map { "'\($0)'" } ?? "absent"), expected '\(expected)'"
        case .unsupportedVersion(let file, let object, let encoding, let version, let supported):
            let list = supported.joined(separator: ", ")
            return
                "\(file):\(object): \(encoding) encoding_version '\(version)' is not supported (this build reads \(list))"
        case .corrupt(let file, let object, let reason):
            return "\(file):\(object): corrupt: \(reason)"
        case .io(let file, let operation, let errno):
            return "\(file): \(operation) failed: \(String(cString: strerror(errno)))"
        }
    }
}
