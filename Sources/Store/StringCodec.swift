import CHDF5
import Glibc

/// Variable-length UTF-8 strings in and out of HDF5, and fixed-length strings in (as h5py writes `bytes`).
enum StringCodec {
    /// A new variable-length UTF-8 string type; the caller closes it.
    static func makeType(file: String, object: String) throws -> hid_t {
        let type = try HDF5Runtime.call(file, object, "H5Tcopy") { H5Tcopy(xs_H5T_C_S1()) }
        try HDF5Runtime.call(file, object, "H5Tset_size") { H5Tset_size(type, xs_H5T_VARIABLE()) }
        try HDF5Runtime.call(file, object, "H5Tset_cset") { H5Tset_cset(type, H5T_CSET_UTF8) }
        return type
    }

    /// Calls `body` with an array of NUL-terminated C strings for `values`, valid only during the call.
    static func withCStrings<R>(
        _ values: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) throws -> R
    ) rethrows -> R {
        let copies = values.map { strdup($0) }
        defer {
            for copy in copies { free(copy) }
        }
        let pointers = copies.map { UnsafePointer<CChar>($0) }
        return try pointers.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else {
                return try withUnsafePointer(to: UnsafePointer<CChar>?.none) { try body($0) }
            }
            return try body(base)
        }
    }

    /// Reads `count` strings through `read(memoryType, buffer)`, for a stored string type `fileType`.
    ///
    /// Variable-length strings are read as `char*` and reclaimed; fixed-length ones as padded bytes.
    static func read(
        count: Int, fileType: hid_t, context: (file: String, object: String),
        _ read: (hid_t, UnsafeMutableRawPointer?) -> herr_t
    ) throws -> [String] {
        guard count > 0 else { return [] }
        if H5Tis_variable_str(fileType) > 0 {
            let memoryType = try makeType(file: context.file, object: context.object)
            defer { H5Tclose(memoryType) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            _ = try pointers.withUnsafeMutableBufferPointer { buffer in
                try HDF5Runtime.call(context.file, context.object, "reading strings") {
                    read(memoryType, buffer.baseAddress)
                }
            }
            defer {
                for pointer in pointers { H5free_memory(pointer) }
            }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let width = H5Tget_size(fileType)
        let memoryType = try HDF5Runtime.call(context.file, context.object, "H5Tcopy") { H5Tcopy(fileType) }
        defer { H5Tclose(memoryType) }
        var bytes = [UInt8](repeating: 0, count: count * width)
        _ = try bytes.withUnsafeMutableBytes { buffer in
            try HDF5Runtime.call(context.file, context.object, "reading strings") {
                read(memoryType, buffer.baseAddress)
            }
        }
        return (0..<count).map { index in
            let slice = bytes[(index * width)..<((index + 1) * width)]
            let end = slice.firstIndex(of: 0) ?? slice.endIndex
            return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
                .trimmingTrailingSpaces()
        }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var result = Substring(self)
        while result.last == " " { result.removeLast() }
        return String(result)
    }
}
