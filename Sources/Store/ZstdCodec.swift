import CZstd
import Glibc

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
        guard let context = threadContext() else { return nil }
        guard ZSTD_isError(ZSTD_CCtx_reset(context, ZSTD_reset_session_and_parameters)) == 0,
            ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)) == 0,
            ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)) == 0
        else { return nil }
        let written = ZSTD_compress2(
            context, destination.baseAddress, destination.count, source.baseAddress, source.count)
        return ZSTD_isError(written) == 0 ? written : nil
    }

    /// Frees a thread's compression context when the thread exits.
    private static let contextKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { ZSTD_freeCCtx(OpaquePointer($0)) }
        return key
    }()

    /// The calling thread's compression context, made on its first use.
    ///
    /// A context allocates and clears about a megabyte of match tables on its first frame; one per thread,
    /// reset between chunks, saves that on every chunk (measured 4 % of `xtal-graph` on 1,200 crystals).
    private static func threadContext() -> OpaquePointer? {
        if let context = pthread_getspecific(contextKey) { return OpaquePointer(context) }
        guard let context = ZSTD_createCCtx() else { return nil }
        pthread_setspecific(contextKey, UnsafeRawPointer(context))
        return context
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
