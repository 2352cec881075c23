import Foundation
import Testing

@testable import Store

@Suite struct DatasetRoundTripTests {
    static let compressions: [Compression] = [.zstd(level: 3), .gzip(level: 4), .none]

    func roundTrip<T: StoreScalar>(_ values: [T], shape: [Int], _ compression: Compression) throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("t.h5")
        let options = DatasetOptions(compression: compression, chunkBytes: 64)
        do {
            let file = try StoreFile.create(path)
            try file.root.write("data", NDArray(shape: shape, values: values), options: options)
            try file.close()
        }
        let file = try StoreFile.open(path)
        let back = try file.root.read("data", as: T.self)
        #expect(back.shape == shape)
        #expect(back.values == values)
        #expect(try file.root.dataset("data").typeName() == T.typeName)
    }

    @Test(arguments: compressions)
    func everyElementTypeRoundTrips(_ compression: Compression) throws {
        try roundTrip((0..<60).map { Float($0) * 0.25 - 3 }, shape: [5, 4, 3], compression)
        try roundTrip((0..<60).map { Double($0) * 1e-3 - 0.01 }, shape: [20, 3], compression)
        try roundTrip((0..<50).map { Int8(truncatingIfNeeded: $0 * 7 - 100) }, shape: [50], compression)
        try roundTrip((0..<50).map { Int16($0 * 1000 - 25000) }, shape: [10, 5], compression)
        try roundTrip((0..<50).map { Int32($0) * 100_000 - 2_000_000 }, shape: [25, 2], compression)
        try roundTrip((0..<50).map { Int64($0) << 40 - 7 }, shape: [50, 1], compression)
        try roundTrip((0..<256).map { UInt8($0) }, shape: [16, 16], compression)
    }

    @Test func emptyAndScalarDatasets() throws {
        try roundTrip([Float](), shape: [0, 3], .default)
        try roundTrip([Int64](), shape: [0], .default)
        try roundTrip([Double](), shape: [4, 0], .default)
        try roundTrip([Double.pi], shape: [], .default)
    }

    @Test func rowRangesReadThePartAsked() throws {
        let dir = try TemporaryDirectory()
        let file = try StoreFile.create(dir.file("rows.h5"))
        let values = (0..<300).map { Int32($0) }
        let dataset = try file.root.write(
            "x", NDArray(shape: [100, 3], values: values), options: DatasetOptions(chunkBytes: 40))
        let middle = try dataset.read(rows: 17..<42, as: Int32.self)
        #expect(middle.shape == [25, 3])
        #expect(middle.values == Array(values[51..<126]))
        #expect(try dataset.read(rows: 100..<100, as: Int32.self).shape == [0, 3])
    }

    @Test func readingAsAnotherTypeIsRefused() throws {
        let dir = try TemporaryDirectory()
        let file = try StoreFile.create(dir.file("types.h5"))
        try file.root.write("f", [Float(1), 2])
        #expect(
            throws: StoreError.typeMismatch(
                file: dir.file("types.h5"), object: "/f", expected: "int32", found: "float32")
        ) {
            try file.root.read("f", as: Int32.self)
        }
        #expect(throws: StoreError.self) { try file.root.read("f", as: Double.self) }
    }

    @Test func nestedGroupsAndListing() throws {
        let dir = try TemporaryDirectory()
        let file = try StoreFile.create(dir.file("groups.h5"))
        let graphs = try file.root.createGroup("graphs/train")
        try graphs.write("edge_src", [Int64(0), 1])
        try graphs.write("edge_dst", [Int64(1), 0])
        #expect(graphs.path == "/graphs/train")
        #expect(try graphs.childNames() == ["edge_dst", "edge_src"])
        #expect(try file.group("graphs").childNames() == ["train"])
        #expect(try file.root.group("graphs").group("train").read("edge_dst", as: Int64.self).values == [1, 0])
        #expect(throws: StoreError.missing(file: dir.file("groups.h5"), object: "/nodes")) {
            try file.root.group("nodes")
        }
    }

    @Test func compressionParsesFromText() {
        #expect(Compression(parsing: "zstd") == .zstd(level: 1))
        #expect(Compression(parsing: "ZSTD:9") == .zstd(level: 9))
        #expect(Compression(parsing: "gzip") == .gzip(level: 4))
        #expect(Compression(parsing: "none") == Compression.none)
        #expect(Compression(parsing: "lz4") == nil)
        #expect(Compression(parsing: "zstd:x") == nil)
        #expect(Compression(parsing: "gzip:12") == nil)
    }

    @Test func zstdActuallyCompresses() throws {
        let dir = try TemporaryDirectory()
        let values = [Float](repeating: 1.5, count: 1 << 18)
        for (name, compression) in [("raw.h5", Compression.none), ("zstd.h5", .default)] {
            let file = try StoreFile.create(dir.file(name))
            try file.root.write("x", values, options: DatasetOptions(compression: compression))
            try file.close()
        }
        let raw = try #require(try FileManager.default.attributesOfItem(atPath: dir.file("raw.h5"))[.size] as? Int)
        let zstd = try #require(try FileManager.default.attributesOfItem(atPath: dir.file("zstd.h5"))[.size] as? Int)
        #expect(raw > 1 << 20)
        #expect(zstd < raw / 50)
    }
}
