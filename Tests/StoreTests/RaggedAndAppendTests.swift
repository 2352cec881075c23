import Foundation
import Testing

@testable import Store

@Suite struct RaggedAndAppendTests {
    @Test func raggedArraysShareTheirOffsets() throws {
        let dir = try TemporaryDirectory()
        let numbers = RaggedArray(items: [[Int16(42), 42], [Int16(11)], [], [Int16(8), 8, 8]])
        let coords = RaggedArray(
            items: [[Float(0), 0, 0, 0.5, 0.5, 0.5], [0.1, 0.2, 0.3], [], [0, 0, 0, 0.5, 0, 0, 0, 0.5, 0]],
            rowShape: [3])
        #expect(numbers.ptr == [0, 2, 3, 3, 6])
        #expect(numbers.ptr == coords.ptr)
        let file = try StoreFile.create(dir.file("r.h5"))
        try file.root.write("node_atomic_number", ragged: numbers, ptrName: "node_ptr")
        try file.root.write("node_frac_coords", ragged: coords, ptrName: "node_ptr")
        try file.close()

        let back = try StoreFile.open(dir.file("r.h5")).root
        let z = try back.readRagged("node_atomic_number", ptrName: "node_ptr", as: Int16.self)
        let x = try back.readRagged("node_frac_coords", ptrName: "node_ptr", as: Float.self)
        #expect(z == numbers)
        #expect(x == coords)
        #expect(Array(x[1]) == [0.1, 0.2, 0.3])
        #expect(x[2].isEmpty)
        #expect(x.values.shape == [6, 3])
    }

    @Test func inconsistentOffsetsAreReportedAsCorrupt() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("bad.h5")
        let file = try StoreFile.create(path)
        try file.root.write("edge_src", [Int64(0), 1, 2])
        try file.root.write("edge_ptr", [Int64(0), 2, 1, 3])
        try file.root.write("short_ptr", [Int64(0), 2])
        #expect(
            throws: StoreError.corrupt(
                file: path, object: "/edge_ptr", reason: "offsets do not describe the 3 rows of edge_src")
        ) {
            try file.root.readRagged("edge_src", ptrName: "edge_ptr", as: Int64.self)
        }
        #expect(throws: StoreError.self) { try file.root.readRagged("edge_src", ptrName: "short_ptr", as: Int64.self) }
    }

    @Test(arguments: [8, 100, 4096])
    func appendingInPiecesEqualsWritingWhole(chunkBytes: Int) throws {
        let dir = try TemporaryDirectory()
        let file = try StoreFile.create(dir.file("append.h5"))
        let options = DatasetOptions(chunkBytes: chunkBytes)
        let appender = try DatasetAppender<Float>(file.root, "edge_vector", rowShape: [3], options: options)
        var expected: [Float] = []
        for piece in 0..<37 {
            let rows = (piece * 7) % 11
            let values = (0..<(rows * 3)).map { Float(piece * 1000 + $0) }
            try appender.append(contentsOf: values)
            expected += values
        }
        #expect(appender.rowCount == expected.count / 3)
        #expect(try appender.finish().shape() == [expected.count / 3, 3])
        let back = try file.root.read("edge_vector", as: Float.self)
        #expect(back.shape == [expected.count / 3, 3])
        #expect(back.values == expected)
    }

    @Test func smallAppendedDatasetsAreNotPaddedToAFullChunk() throws {
        // Ten strings and ten rows fit in one chunk: that chunk is their size, not 1 MiB of padding.
        let dir = try TemporaryDirectory()
        let path = dir.file("small.h5")
        do {
            let file = try StoreFile.create(path)
            let strings = try StringAppender(file.root, "graph_id")
            let numbers = try DatasetAppender<Double>(file.root, "graph_lattice", rowShape: [3, 3])
            for index in 0..<10 {
                try strings.append("mp-\(index)")
                try numbers.append(contentsOf: (0..<9).map { Double(index * 9 + $0) })
            }
            #expect(try strings.finish().shape() == [10])
            #expect(try numbers.finish().shape() == [10, 3, 3])
            let empty = try DatasetAppender<Int64>(file.root, "rejects")
            #expect(try empty.finish().shape() == [0])
        }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? .max
        #expect(size < 64 << 10)
        let file = try StoreFile.open(path)
        #expect(try file.root.readStrings("graph_id") == (0..<10).map { "mp-\($0)" })
        #expect(try file.root.read("graph_lattice", as: Double.self).values == (0..<90).map(Double.init))
    }

    @Test func raggedAppenderBuildsCSR() throws {
        let dir = try TemporaryDirectory()
        let file = try StoreFile.create(dir.file("ra.h5"))
        let items: [[Int32]] = (0..<500).map { item in (0..<(item % 13)).map { Int32(item * 100 + $0) } }
        let appender = try RaggedAppender<Int32>(
            file.root, "edge_dst", ptrName: "edge_ptr", options: DatasetOptions(chunkBytes: 256))
        for item in items { try appender.append(item: item) }
        try appender.finish()
        #expect(appender.count == 500)
        let back = try file.root.readRagged("edge_dst", ptrName: "edge_ptr", as: Int32.self)
        #expect(back == RaggedArray(items: items))
    }

    @Test func stringAppenderWritesInChunks() throws {
        let dir = try TemporaryDirectory()
        let file = try StoreFile.create(dir.file("strings.h5"))
        let appender = try StringAppender(file.root, "graph_id", options: DatasetOptions(chunkBytes: 64))
        let ids = (0..<1000).map { "mp-\($0 * 7)" } + ["", "Cs₂AgBiBr₆"]
        for id in ids { try appender.append(id) }
        try appender.finish()
        #expect(appender.count == ids.count)
        #expect(try file.root.readStrings("graph_id") == ids)
        let empty = try StringAppender(file.root, "none")
        try empty.finish()
        #expect(try file.root.readStrings("none") == [])
    }
}
