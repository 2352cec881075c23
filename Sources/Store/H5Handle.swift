import CHDF5

/// Owns one HDF5 identifier and closes it when the last reference goes.
///
/// Files are opened with `H5F_CLOSE_STRONG`, so closing a file closes its objects too; an identifier that
/// is no longer valid by then is not closed twice. Nor is one whose close was tried and failed: after a failed
/// `H5Fclose` (a full disk) HDF5 1.10 leaves the identifier valid but the file half torn down, and a second
/// close dereferences freed memory.
final class H5Handle: @unchecked Sendable {
    let id: hid_t
    private let closer: (hid_t) -> herr_t
    /// Whether a close was tried (the handle is single-threaded, like the HDF5 object it owns).
    private var closeTried = false

    init(_ id: hid_t, closer: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.closer = closer
    }

    var isValid: Bool { !closeTried && H5Iis_valid(id) > 0 }

    /// Closes the identifier now if it is still valid; returns the close call's status.
    @discardableResult
    func close() -> herr_t {
        guard isValid else { return 0 }
        closeTried = true
        return closer(id)
    }

    deinit {
        if isValid { _ = closer(id) }
    }
}
