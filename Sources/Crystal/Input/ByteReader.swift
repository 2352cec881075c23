import Foundation

/// Buffered reading of a `ByteSource`: lines, and the whole rest when a record needs it.
///
/// Lines end at `\n`; a trailing `\r` is dropped, so CRLF files read like LF files. Memory holds one buffer
/// plus the current line.
public struct ByteReader {
    private var source: any ByteSource
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var exhausted = false
    /// Lines returned so far (the 1-based number of the last line read).
    public private(set) var lineNumber = 0

    /// Reads `source` through a buffer of `bufferSize` bytes.
    public init(_ source: any ByteSource, bufferSize: Int = 1 << 16) {
        self.source = source
        buffer = [UInt8](repeating: 0, count: max(bufferSize, 16))
    }

    /// The next line without its line ending, or `nil` at the end of the input.
    public mutating func readLine() throws -> Substring? {
        guard let bytes = try readLineBytes() else { return nil }
        return Substring(decoding: bytes, as: UTF8.self)
    }

    /// The next line's bytes without the line ending, or `nil` at the end of the input.
    public mutating func readLineBytes() throws -> ArraySlice<UInt8>? {
        var line: [UInt8] = []
        while true {
            if start == end {
                guard try fill() else {
                    if line.isEmpty { return nil }
                    lineNumber += 1
                    return trimCR(line[...])
                }
            }
            if let newline = firstNewline() {
                lineNumber += 1
                if line.isEmpty {
                    let slice = buffer[start..<newline]
                    start = newline + 1
                    return trimCR(ArraySlice(slice))
                }
                line.append(contentsOf: buffer[start..<newline])
                start = newline + 1
                return trimCR(line[...])
            }
            line.append(contentsOf: buffer[start..<end])
            start = end
        }
    }

    /// The next up to `count` bytes (fewer only at the end), or an empty array at the end.
    public mutating func readBytes(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            if start == end, try !fill() { break }
            let take = min(count - out.count, end - start)
            out.append(contentsOf: buffer[start..<(start + take)])
            start += take
        }
        return out
    }

    /// Everything not read yet.
    ///
    /// Use only for inputs known to be small (one structure file).
    public mutating func readToEnd() throws -> [UInt8] {
        var out = Array(buffer[start..<end])
        start = end
        while try fill() {
            out.append(contentsOf: buffer[start..<end])
            start = end
        }
        return out
    }

    /// The index in `buffer` of the first `\n` in `start..<end`, if any.
    ///
    /// `memchr` scans 32 or 64 bytes a step; `Collection.firstIndex` went byte by byte, 6 % of ingest's time on a
    /// JSON Lines file, on the reader thread that every worker waits for.
    private func firstNewline() -> Int? {
        buffer.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress, let hit = memchr(base + start, Int32(UInt8(ascii: "\n")), end - start)
            else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
    }

    private mutating func fill() throws -> Bool {
        guard !exhausted else { return false }
        let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        start = 0
        end = count
        if count == 0 { exhausted = true }
        return count > 0
    }

    private func trimCR(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }
}
