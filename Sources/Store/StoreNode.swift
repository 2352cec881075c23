import CHDF5

/// An HDF5 object that can carry attributes: a group or a dataset.
public protocol StoreNode: Sendable {
    /// The file holding the object.
    var file: StoreFile { get }
    /// The object's absolute path inside the file, e.g. `/graphs/edge_src`.
    var path: String { get }
    /// The open identifier.
    var objectID: hid_t { get }
}

extension StoreNode {
    /// Runs an HDF5 call against this object, throwing with the file and object path on failure.
    @discardableResult
    func call<R: BinaryInteger>(_ operation: String, _ body: () -> R) throws -> R {
        try HDF5Runtime.call(file.path, path, operation, body)
    }

    /// The path of a child named `name`.
    func childPath(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }
}
