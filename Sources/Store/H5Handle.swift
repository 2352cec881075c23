import CHDF5

/// Owns one HDF5 identifier and closes it when the last reference goes.
///
/// Files are opened with `H5F_CLOSE_STRONG`, so closing a file closes its objects too; an identifier that
/// is no longer valid by then is not closed twice.
final class H5Handle: @unchecked Sendable {
    let id: hid_t
    private let closer: (hid_t) -> herr_t

    init(_ id: hid_t, closer: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.closer = closer
    }

    var isValid: Bool { H5Iis_valid(id) > 0 }

    /// Closes the identifier now if it is still valid; returns the close call's status.
    @discardableResult
    func close() -> herr_t {
        guard isValid else { return 0 }
        return closer(id)
    }

    deinit {
        if H5Iis_valid(id) > 0 { _ = closer(id) }
    }
}
