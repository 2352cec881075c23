import CZlib
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

/// A gzip stream (one or more members, as `gzip` and `cat a.gz b.gz` make) inflated with zlib.
public struct GzipByteSource: ByteSource {
    private final class Stream {
        var z = z_stream()
        init() throws {
            guard inflateInit2_(&z, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw CrystalError.unreadable("zlib inflateInit failed")
            }
        }
        deinit { inflateEnd(&z) }
    }
    private var source: FileByteSource
    private let stream: Stream
    private var input = [UInt8](repeating: 0, count: 1 << 16)
    private var inputStart = 0
    private var inputEnd = 0
    private var atMemberEnd = false
    private var finished = false

    init(_ source: FileByteSource) throws {
        self.source = source
        stream = try Stream()
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        while true {
            if inputStart == inputEnd {
                inputEnd = try input.withUnsafeMutableBytes { try source.read(into: $0) }
                inputStart = 0
                if inputEnd == 0 {
                    if atMemberEnd {
                        finished = true
                        return 0
                    }
                    throw CrystalError.unreadable("truncated gzip stream (ended inside compressed data)")
                }
            }
            if atMemberEnd {
                // Another member follows: start it afresh.
                guard inflateReset(&stream.z) == Z_OK else { throw CrystalError.unreadable("zlib inflateReset failed") }
                atMemberEnd = false
            }
            let (status, consumed, produced) = input.withUnsafeMutableBytes { inBytes in
                stream.z.next_in = inBytes.baseAddress?.advanced(by: inputStart).assumingMemoryBound(to: Bytef.self)
                stream.z.avail_in = uInt(inputEnd - inputStart)
                stream.z.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.z.avail_out = uInt(buffer.count)
                let status = inflate(&stream.z, Z_NO_FLUSH)
                return (status, inputEnd - inputStart - Int(stream.z.avail_in), buffer.count - Int(stream.z.avail_out))
            }
            inputStart += consumed
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                atMemberEnd = true
            default:
                let message = stream.z.msg.map { String(cString: $0) } ?? "error \(status)"
                throw CrystalError.unreadable("corrupt gzip data: \(message)")
            }
            if produced > 0 { return produced }
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
