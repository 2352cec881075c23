import Foundation
import Testing

@testable import Store

/// Broken files give one-line errors naming the file, and never crash the reader.
@Suite struct CorruptFileTests {
    /// Writes a small store (zstd unless told otherwise) and returns its path and bytes.
    func goodFile(_ dir: TemporaryDirectory, compression: Compression = .default) throws -> (String, Data) {
        let path = dir.file("good.h5")
        let file = try StoreFile.create(path)
        let group = try file.root.createGroup("graphs")
        try group.setEncoding("graphs", version: "1")
        try group.write(
            "edge_distance", (0..<50_000).map { Float($0 % 977) * 0.01 },
            options: DatasetOptions(compression: compression, chunkBytes: 1 << 14))
        try file.close()
        return (path, try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Opens `path` and reads everything in `/graphs`, as a stage would.
    func readAll(_ path: String) throws {
        let group = try StoreFile.open(path).group("graphs")
        try group.requireEncoding("graphs", supported: ["1"])
        _ = try group.read("edge_distance", as: Float.self)
    }

    func expectOneLineError(_ path: String, containing expected: String) {
        let error = #expect(throws: StoreError.self) { try readAll(path) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix(path), "error should name the file: \(text)")
        #expect(text.contains(expected), "\(text)")
        #expect(!text.contains("\n"))
    }

    @Test func missingFile() throws {
        let dir = try TemporaryDirectory()
        expectOneLineError(dir.file("nope.h5"), containing: "no such file")
    }

    @Test func notAnHDF5File() throws {
        let dir = try TemporaryDirectory()
        try Data("mp-149,Si\n".utf8).write(to: URL(fileURLWithPath: dir.file("text.h5")))
        expectOneLineError(dir.file("text.h5"), containing: "not an HDF5 file")
        try Data().write(to: URL(fileURLWithPath: dir.file("empty.h5")))
        expectOneLineError(dir.file("empty.h5"), containing: "not an HDF5 file")
    }

    @Test(arguments: [0.9, 0.5, 0.05])
    func truncatedFile(keeping fraction: Double) throws {
        let dir = try TemporaryDirectory()
        let (_, bytes) = try goodFile(dir)
        let path = dir.file("truncated.h5")
        try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: path))
        expectOneLineError(path, containing: "truncated file")
    }

    /// Damage inside chunks is found whatever the compression: zstd's frame checksums, gzip's Adler-32, and
    /// HDF5's Fletcher32 on raw chunks.
    @Test(arguments: [Compression.default, .gzip(level: 4), .none])
    func corruptedChunkBytes(compression: Compression) throws {
        let dir = try TemporaryDirectory()
        let (_, bytes) = try goodFile(dir, compression: compression)
        var damaged = bytes
        // Overwrite a stretch in the middle of the file, where compressed chunks live.
        let start = bytes.count / 2
        for offset in start..<(start + 512) { damaged[offset] = 0xA5 }
        let path = dir.file("damaged.h5")
        try damaged.write(to: URL(fileURLWithPath: path))
        expectOneLineError(path, containing: "/graphs/edge_distance")
    }

    @Test func wrongEncodingType() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("crystals.h5")
        let file = try StoreFile.create(path)
        try file.root.createGroup("graphs").setEncoding("crystals", version: "1")
        try file.close()
        expectOneLineError(path, containing: "encoding_type is 'crystals', expected 'graphs'")
    }
}

/// HDF5's descriptions of failed system calls, made one line.
@Suite struct HDF5MessageTests {
    @Test func aFailedWriteSaysWhyOnOneLine() {
        let raw = """
            file write failed: time = Wed Dec  2 06:02:58 2026
            , filename = '/tmp/run/graphs.h5.partial', file descriptor = 4, errno = 28, error message = 'No space \
            left on device', buf = 0x55c2c8ca7122, total write size = 67143, bytes this sub-write = 67143
            """
        #expect(HDF5Runtime.oneLine(raw) == "file write failed: No space left on device (errno 28)")
        let lock = "unable to lock file, errno = 11, error message = 'Resource temporarily unavailable'"
        #expect(HDF5Runtime.oneLine(lock) == "unable to lock file: Resource temporarily unavailable (errno 11)")
        #expect(
            HDF5Runtime.oneLine("truncated file: eof = 96,\nsblock->base_addr = 0")
                == "truncated file: eof = 96, sblock->base_addr = 0")
    }
}
