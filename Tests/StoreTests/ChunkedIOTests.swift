import CHDF5
import Foundation
import Testing

@testable import Store

/// The parallel zstd chunk path: same bytes for any thread count, partial chunks, row ranges, and chunks
/// readable through HDF5's own filter pipeline.
@Suite struct ChunkedIOTests {
    static let values = (0..<(3 * 10_007)).map { Float(($0 * 7919) % 10_009) / 64 }

    func writeFile(_ path: String, threads: Int) throws {
        let file = try StoreFile.create(path)
        let group = try file.root.createGroup("graphs")
        try group.write(
            "edge_vector", NDArray(shape: [10_007, 3], values: Self.values),
            options: DatasetOptions(chunkBytes: 4000, threads: threads))
        try file.close()
    }

    @Test func fileBytesDoNotDependOnThreads() throws {
        let dir = try TemporaryDirectory()
        for threads in [1, 2, 5] { try writeFile(dir.file("t\(threads).h5"), threads: threads) }
        let one = try Data(contentsOf: URL(fileURLWithPath: dir.file("t1.h5")))
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("t2.h5"))) == one)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("t5.h5"))) == one)
    }

    @Test(arguments: [1, 3])
    func rowRangesAcrossPartialChunks(threads: Int) throws {
        let dir = try TemporaryDirectory()
        try writeFile(dir.file("r.h5"), threads: 2)
        let dataset = try StoreFile.open(dir.file("r.h5")).group("graphs").dataset("edge_vector")
        #expect(try dataset.read(as: Float.self, threads: threads).values == Self.values)
        // 333 rows per chunk: ranges inside one chunk, across chunks, and into the last partial chunk.
        for rows in [0..<1, 5..<300, 330..<340, 9990..<10_007, 10_006..<10_007, 0..<10_007, 4000..<4000] {
            let part = try dataset.read(rows: rows, as: Float.self, threads: threads)
            #expect(part.shape == [rows.count, 3])
            #expect(part.values == Array(Self.values[(rows.lowerBound * 3)..<(rows.upperBound * 3)]))
        }
    }

    @Test func directChunksDecodeThroughTheFilterPipeline() throws {
        let dir = try TemporaryDirectory()
        try writeFile(dir.file("f.h5"), threads: 2)
        let dataset = try StoreFile.open(dir.file("f.h5")).group("graphs").dataset("edge_vector")
        var back = [Float](repeating: -1, count: Self.values.count)
        try back.withUnsafeMutableBytes { buffer in
            _ = try dataset.call("H5Dread") {
                H5Dread(
                    dataset.objectID, Float.memoryType, xs_H5S_ALL(), xs_H5S_ALL(), xs_H5P_DEFAULT(), buffer.baseAddress
                )
            }
        }
        #expect(back == Self.values)
    }

    /// Appended zstd datasets: full chunks compressed on other threads (or not, with one thread) and written
    /// later with `H5Dwrite_chunk`, interleaved with a second dataset's appends: the same values, and the
    /// same file bytes for any thread count; HDF5's own filter pipeline decodes them.
    @Test func appendedFilesDoNotDependOnThreads() throws {
        let dir = try TemporaryDirectory()
        var files: [Data] = []
        for threads in [1, 2, 4] {
            let path = dir.file("append\(threads).h5")
            do {
                let file = try StoreFile.create(path)
                let options = DatasetOptions(chunkBytes: 1200, threads: threads)
                let vectors = try DatasetAppender<Float>(file.root, "edge_vector", rowShape: [3], options: options)
                let ids = try DatasetAppender<Int64>(file.root, "edge_src", options: options)
                for piece in stride(from: 0, to: Self.values.count, by: 3 * 97) {
                    let end = min(piece + 3 * 97, Self.values.count)
                    try vectors.append(contentsOf: Self.values[piece..<end])
                    try ids.append(contentsOf: (piece / 3..<end / 3).map { Int64($0 * 31 % 1009) })
                }
                try vectors.finish()
                try ids.finish()
                try file.close()
            }
            let dataset = try StoreFile.open(path).root.dataset("edge_vector")
            var back = [Float](repeating: -1, count: Self.values.count)
            try back.withUnsafeMutableBytes { buffer in
                _ = try dataset.call("H5Dread") {
                    H5Dread(
                        dataset.objectID, Float.memoryType, xs_H5S_ALL(), xs_H5S_ALL(), xs_H5P_DEFAULT(),
                        buffer.baseAddress)
                }
            }
            #expect(back == Self.values, "threads \(threads)")
            files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(files[1] == files[0] && files[2] == files[0])
    }

    @Test func appendedChunksReadInParallel() throws {
        let dir = try TemporaryDirectory()
        let file = try StoreFile.create(dir.file("a.h5"))
        let appender = try DatasetAppender<Float>(
            file.root, "x", rowShape: [3], options: DatasetOptions(chunkBytes: 1200))
        try appender.append(contentsOf: Self.values)
        try appender.finish()
        #expect(try file.root.read("x", as: Float.self, threads: 4).values == Self.values)
    }
}
