import CHDF5
import CZstd

/// HDF5 filter 32015 (Zstandard), implemented on libzstd and registered with `H5Zregister`.
///
/// The on-disk format is the one of the registered filter that h5py reads through `hdf5plugin`: each chunk
/// is one zstd frame (see `ZstdCodec`); `cd_values[0]` is the compression level. Buffers are allocated with
/// `H5allocate_memory` because HDF5 frees them.
enum ZstdFilter {
    /// The id registered with The HDF Group for Zstandard.
    static let id: H5Z_filter_t = 32015

    private static let name: StaticString = "zstd (XtalScreen, libzstd)"

    /// Registers the filter with this process's HDF5 library.
    /// - Returns: `false` if HDF5 refused the registration.
    static func register() -> Bool {
        let namePointer = UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
        var filterClass = H5Z_class2_t(
            version: Int32(H5Z_CLASS_T_VERS),
            id: id,
            encoder_present: 1,
            decoder_present: 1,
            name: namePointer,
            can_apply: nil,
            set_local: nil,
            filter: zstdFilter
        )
        return H5Zregister(&filterClass) >= 0
    }

    /// Whether chunks written with this filter can be read and written in this process.
    static var isAvailable: Bool { H5Zfilter_avail(id) > 0 }
}

/// The filter callback: compresses `*buffer`, or decompresses it when `H5Z_FLAG_REVERSE` is set.
///
/// The result replaces `*buffer` in a new HDF5-allocated buffer. Returns the new data size, or 0 on failure
/// (HDF5's convention).
private func zstdFilter(
    flags: UInt32, valueCount: Int, values: UnsafePointer<UInt32>?, byteCount: Int,
    bufferSize: UnsafeMutablePointer<Int>?, buffer: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> Int {
    guard let bufferSize, let buffer, let input = buffer.pointee else { return 0 }
    let output: UnsafeMutableRawPointer
    let outputCount: Int
    if flags & xs_H5Z_FLAG_REVERSE() != 0 {
        guard let decoded = zstdDecompress(input, byteCount) else { return 0 }
        (output, outputCount) = decoded
    } else {
        let level = valueCount > 0 && values != nil ? Int32(bitPattern: values?.pointee ?? 3) : 3
        let bound = ZstdCodec.bound(byteCount)
        guard let out = H5allocate_memory(bound, false) else { return 0 }
        let source = UnsafeRawBufferPointer(start: input, count: byteCount)
        guard
            let written = ZstdCodec.compress(
                source, level: level, into: UnsafeMutableRawBufferPointer(start: out, count: bound))
        else {
            H5free_memory(out)
            return 0
        }
        (output, outputCount) = (out, written)
    }
    H5free_memory(input)
    buffer.pointee = output
    bufferSize.pointee = outputCount
    return outputCount
}

/// Decompresses one or more concatenated zstd frames.
///
/// Frames that record their content size are decoded
/// in one call; others are streamed into a growing buffer.
private func zstdDecompress(_ input: UnsafeMutableRawPointer, _ count: Int) -> (UnsafeMutableRawPointer, Int)? {
    let source = UnsafeRawBufferPointer(start: input, count: count)
    if let size = ZstdCodec.contentSize(source) {
        guard let out = H5allocate_memory(max(size, 1), false) else { return nil }
        guard ZstdCodec.decompress(source, into: UnsafeMutableRawBufferPointer(start: out, count: size)) == size else {
            H5free_memory(out)
            return nil
        }
        return (out, size)
    }
    guard let stream = ZSTD_createDStream() else { return nil }
    defer { ZSTD_freeDStream(stream) }
    var capacity = max(count * 4, 1 << 16)
    guard var out = H5allocate_memory(capacity, false) else { return nil }
    var inBuffer = ZSTD_inBuffer(src: input, size: count, pos: 0)
    var produced = 0
    while true {
        var outBuffer = ZSTD_outBuffer(dst: out + produced, size: capacity - produced, pos: 0)
        let status = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
        if ZSTD_isError(status) != 0 {
            H5free_memory(out)
            return nil
        }
        produced += outBuffer.pos
        if inBuffer.pos == inBuffer.size && status == 0 { break }
        if inBuffer.pos == inBuffer.size && outBuffer.pos < outBuffer.size {
            H5free_memory(out)  // input ended inside a frame: truncated chunk
            return nil
        }
        if produced == capacity {
            capacity *= 2
            guard let grown = H5resize_memory(out, capacity) else {
                H5free_memory(out)
                return nil
            }
            out = grown
        }
    }
    return (out, produced)
}
