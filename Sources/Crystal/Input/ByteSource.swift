import CIsal
import CZstd
import Foundation

/// A stream of bytes read in pieces: a file, or a gzip or zstd stream decompressed on the fly.
///
/// Nothing is ever held whole: each `read` fills at most the caller's buffer.
public protocol ByteSource {
    /// Reads up to `buffer.count` bytes into `buffer`.
    ///
    /// - Returns: the number of bytes read; 0 only at the end of the stream.
    /// - Throws: `CrystalError.unreadable` on an I/O error or damaged compressed data (e.g. a truncated `.gz`).
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// The compression of an input file, from its name or its first bytes.
public enum InputCompression: String, Sendable {
    case none, gzip, zstd

    /// Detects compression from the magic bytes (gzip `1f 8b`, zstd `28 b5 2f fd`), else the extension.
    public static func detect(path: String, head: [UInt8]) -> InputCompression {
        if head.starts(with: [0x1f, 0x8b]) { return .gzip }
        if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if path.hasSuffix(".gz") { return .gzip }
        if path.hasSuffix(".zst") { return .zstd }
        return .none
    }

    /// `path` without a `.gz` or `.zst` suffix: the name that tells the format.
    public static func strippedName(_ path: String) -> String {
        for suffix in [".gz", ".zst"] where path.hasSuffix(suffix) { return String(path.dropLast(suffix.count)) }
        return path
    }
}

/// Opens `path` for streaming, decompressing `.gz` and `.zst` (detected from the content).
///
/// - Throws: `CrystalError.unreadable` if the file cannot be opened.
public func openByteSource(_ path: String) throws -> any ByteSource {
    var file = try FileByteSource(path: path)
    let head = try file.peek(4)
    switch InputCompression.detect(path: path, head: head) {
    case .none: return file
    case .gzip: return try GzipByteSource(file)
    case .zstd: return try ZstdByteSource(file)
    }
}

/// Bytes of a file, read with `read(2)`.
public struct FileByteSource: ByteSource {
    private final class Descriptor {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }
    private let descriptor: Descriptor
    private var pending: [UInt8] = []
    /// The file's path.
    public let path: String

    /// Opens `path` for reading.
    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CrystalError.unreadable("cannot open: \(String(cString: strerror(errno)))") }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw CrystalError.unreadable("is a directory")
        }
        descriptor = Descriptor(fd)
        self.path = path
    }

    /// The first `count` bytes (fewer if the file is shorter), without consuming them.
    mutating func peek(_ count: Int) throws -> [UInt8] {
        var head = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = try head.withUnsafeMutableBytes { buffer in
                try readRaw(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            }
            if got == 0 { break }
            filled += got
        }
        pending = Array(head.prefix(filled))
        return pending
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if !pending.isEmpty {
            let count = min(pending.count, buffer.count)
            pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            pending.removeFirst(count)
            return count
        }
        return try readRaw(into: buffer)
    }

    private func readRaw(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let got = Glibc.read(descriptor.fd, buffer.baseAddress, buffer.count)
            if got >= 0 { return got }
            if errno != EINTR { throw CrystalError.unreadable("read failed: \(String(cString: strerror(errno)))") }
        }
    }
}

/// A gzip stream (one or more members, as `gzip` and `cat a.gz b.gz` make) inflated with ISA-L's igzip.
///
/// igzip decodes the same DEFLATE format as zlib about three times as fast; every member's CRC-32 and length
/// are checked, so damaged data is an error, not wrong text.
public struct GzipByteSource: ByteSource {
    private final class Stream {
        var state = inflate_state()
        init() { begin() }
        /// Starts a fresh member: gzip header, DEFLATE data, then the CRC-32 and length trailer, all verified.
        func begin() {
            isal_inflate_init(&state)
            state.crc_flag = UInt32(ISAL_GZIP)
        }
        var memberFinished: Bool { state.block_state == ISAL_BLOCK_FINISH }
    }
    private var source: FileByteSource
    private let stream = Stream()
    private var input = [UInt8](repeating: 0, count: 1 << 16)
    private var inputStart = 0
    private var inputEnd = 0
    private var memberOpen = false
    private var finished = false

    init(_ source: FileByteSource) throws {
        self.source = source
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        while true {
            if inputStart == inputEnd {
                inputEnd = try input.withUnsafeMutableBytes { try source.read(into: $0) }
                inputStart = 0
                if inputEnd == 0 {
                    if memberOpen {
                        throw CrystalError.unreadable("truncated gzip stream (ended inside compressed data)")
                    }
                    finished = true
                    return 0
                }
            }
            if !memberOpen {
                stream.begin()
                memberOpen = true
            }
            let available = min(buffer.count, Int(UInt32.max))
            let (status, consumed, produced) = input.withUnsafeMutableBytes { inBytes in
                stream.state.next_in = inBytes.baseAddress?.advanced(by: inputStart).assumingMemoryBound(to: UInt8.self)
                stream.state.avail_in = UInt32(inputEnd - inputStart)
                stream.state.next_out = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.state.avail_out = UInt32(available)
                let status = isal_inflate(&stream.state)
                return (
                    status, inputEnd - inputStart - Int(stream.state.avail_in), available - Int(stream.state.avail_out)
                )
            }
            inputStart += consumed
            guard status >= 0 else { throw CrystalError.unreadable("corrupt gzip data: \(Self.describe(status))") }
            if stream.memberFinished { memberOpen = false }
            if produced > 0 { return produced }
        }
    }

    /// igzip's error codes in words.
    private static func describe(_ status: Int32) -> String {
        switch status {
        case ISAL_INVALID_BLOCK: "invalid deflate block"
        case ISAL_INVALID_SYMBOL: "invalid deflate symbol"
        case ISAL_INVALID_LOOKBACK: "invalid back-reference distance"
        case ISAL_INVALID_WRAPPER: "invalid gzip header or trailer"
        case ISAL_UNSUPPORTED_METHOD: "unsupported compression method"
        case ISAL_INCORRECT_CHECKSUM: "CRC-32 or length mismatch"
        default: "igzip error \(status)"
        }
    }
}

/// A zstd stream (one or more frames) decompressed with libzstd's streaming API.
public struct ZstdByteSource: ByteSource {
    private final class Stream {
        let context: OpaquePointer
        init() throws {
            guard let context = ZSTD_createDStream() else { throw CrystalError.unreadable("ZSTD_createDStream failed") }
            self.context = context
        }
        deinit { ZSTD_freeDStream(context) }
    }
    private var source: FileByteSource
    private let stream: Stream
    private var input = [UInt8](repeating: 0, count: ZSTD_DStreamInSize())
    private var inputStart = 0
    private var inputEnd = 0
    private var frameOpen = false

    init(_ source: FileByteSource) throws {
        self.source = source
        stream = try Stream()
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            if inputStart == inputEnd {
                inputEnd = try input.withUnsafeMutableBytes { try source.read(into: $0) }
                inputStart = 0
                if inputEnd == 0 {
                    if frameOpen { throw CrystalError.unreadable("truncated zstd stream (ended inside a frame)") }
                    return 0
                }
            }
            var output = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            let status = input.withUnsafeBytes { inBytes in
                var inBuffer = ZSTD_inBuffer(src: inBytes.baseAddress, size: inputEnd, pos: inputStart)
                let status = ZSTD_decompressStream(stream.context, &output, &inBuffer)
                inputStart = inBuffer.pos
                return status
            }
            if ZSTD_isError(status) != 0 {
                throw CrystalError.unreadable("corrupt zstd data: \(String(cString: ZSTD_getErrorName(status)))")
            }
            frameOpen = status != 0
            if output.pos > 0 { return output.pos }
        }
    }
}
