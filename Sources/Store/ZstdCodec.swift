import CZstd

/// One-shot zstd compression of a chunk into one frame, and its inverse, over caller-owned buffers.
///
/// Frames record their content size and a content checksum (`ZSTD_c_checksumFlag`), so a damaged chunk
/// fails to decompress instead of yielding wrong numbers. Used by the HDF5 filter (`ZstdFilter`) and by the
/// parallel chunk writer and reader (`ChunkedIO`), so both produce the same bytes.
enum ZstdCodec {
    /// The largest frame `count` input bytes can compress to.
    static func bound(_ count: Int) -> Int { ZSTD_compressBound(count) }

    /// Compresses `source` at `level` into `destination` (at least `bound(source.count)` bytes).
    ///
    /// - Returns: the frame size, or `nil` on failure.
    static func compress(
        _ source: UnsafeRawBufferPointer, level: Int32, into destination: UnsafeMutableRawBufferPointer
    ) -> Int? {
        guard let context = ZSTD_createCCtx() else { return nil }
        defer { ZSTD_freeCCtx(context) }
        guard ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)) == 0,
            ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)) == 0
        else { return nil }
        let written = ZSTD_compress2(
            context, destination.baseAddress, destination.count, source.baseAddress, source.count)
        return ZSTD_isError(written) == 0 ? written : nil
    }

    /// The decompressed size recorded in the frame header, or `nil` when absent or unreadable.
    static func contentSize(_ source: UnsafeRawBufferPointer) -> Int? {
        let size = ZSTD_getFrameContentSize(source.baseAddress, source.count)
        return size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ? nil : Int(size)
    }

    /// Decompresses the frame(s) in `source` into `destination`.
    ///
    /// - Returns: the number of bytes produced, or `nil` if the data is damaged (bad frame, checksum
    ///   mismatch) or does not fit.
    static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int? {
        let produced = ZSTD_decompress(destination.baseAddress, destination.count, source.baseAddress, source.count)
        return ZSTD_isError(produced) == 0 ? produced : nil
    }
}

/// Whether this machine stores numbers little-endian, as the store's file types do; chunk-level I/O copies
/// memory bytes straight to disk only then.
let hostIsLittleEndian = 1.littleEndian == 1
