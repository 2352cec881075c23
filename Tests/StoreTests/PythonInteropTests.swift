import Foundation
import Testing

@testable import Store

/// Files written here are read by h5py + hdf5plugin with identical values, and the reverse.
///
/// Needs `python3` with h5py, hdf5plugin and numpy (`scripts/bootstrap --python`; `scripts/test` runs it).
@Suite struct PythonInteropTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python")

    func python(_ script: String, _ path: String) throws -> String {
        let result = try runProcess(
            "/usr/bin/env", ["python3", Self.scripts.appendingPathComponent(script).path, path])
        try #require(
            result.status == 0,
            "python3 \(script) failed (install h5py hdf5plugin numpy: scripts/bootstrap --python): \(result.stderr)")
        return result.stdout
    }

    @Test func h5pyReadsWhatSwiftWrites() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("swift.h5")
        let floats = (0..<100_000).map { Float($0 % 1013) * 0.125 - 17 }
        let doubles = (0..<30).map { Double($0) / 7 }
        let file = try StoreFile.create(path)
        let group = try file.root.createGroup("graphs")
        try group.setEncoding("graphs", version: "1")
        try group.setAttribute("cutoff", 8.0)
        try group.setAttribute("mu", [Float(0), 0.2])
        let options = DatasetOptions(compression: .zstd(level: 3), chunkBytes: 1 << 14)
        try group.write("edge_distance", floats, options: options).setAttribute("units", "angstrom")
        try group.write("graph_lattice", NDArray(shape: [10, 3], values: doubles), options: options)
        try group.write("i8", (0..<64).map { Int8($0 - 32) }, options: options)
        try group.write("i16", (0..<64).map { Int16($0 * 500 - 16000) }, options: options)
        try group.write("i32", (0..<64).map { Int32($0 * 70_000) }, options: options)
        try group.write("u8", (0..<64).map { UInt8($0 * 4) }, options: options)
        try group.write("gz", [Int64(1), -1], options: DatasetOptions(compression: .gzip(level: 6)))
        try group.write("graph_id", strings: ["mp-149", "Cs₂AgBiBr₆"])
        try group.write(
            "node_atomic_number", ragged: RaggedArray(items: [[Int64(14), 14], [Int64(8)]]), ptrName: "node_ptr",
            options: options)
        try file.close()

        let json = try python("read_store.py", path)
        let tree = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: Any]])
        func values(_ name: String) -> [Any] { tree["/graphs/" + name]?["values"] as? [Any] ?? [] }
        func dtype(_ name: String) -> String? { tree["/graphs/" + name]?["dtype"] as? String }
        #expect((tree["/graphs/edge_distance"]?["filters"] as? [String]) == ["32015"])
        #expect(values("edge_distance").compactMap { ($0 as? NSNumber)?.floatValue } == floats)
        #expect(values("graph_lattice").compactMap { ($0 as? NSNumber)?.doubleValue } == doubles)
        #expect((tree["/graphs/graph_lattice"]?["shape"] as? [Int]) == [10, 3])
        #expect(values("i8").compactMap { ($0 as? NSNumber)?.intValue } == (0..<64).map { $0 - 32 })
        #expect(values("i16").compactMap { ($0 as? NSNumber)?.intValue } == (0..<64).map { $0 * 500 - 16000 })
        #expect(values("i32").compactMap { ($0 as? NSNumber)?.intValue } == (0..<64).map { $0 * 70_000 })
        #expect(values("u8").compactMap { ($0 as? NSNumber)?.intValue } == (0..<64).map { $0 * 4 })
        #expect(values("gz").compactMap { ($0 as? NSNumber)?.intValue } == [1, -1])
        #expect(values("graph_id") as? [String] == ["mp-149", "Cs₂AgBiBr₆"])
        #expect(values("node_ptr").compactMap { ($0 as? NSNumber)?.intValue } == [0, 2, 3])
        #expect(
            [
                dtype("edge_distance"), dtype("graph_lattice"), dtype("i8"), dtype("i16"), dtype("i32"), dtype("u8"),
                dtype("gz"),
            ]
                == ["float32", "float64", "int8", "int16", "int32", "uint8", "int64"])
        let attrs = tree["/graphs"]?["attrs"] as? [String: Any]
        #expect(attrs?["encoding_type"] as? String == "graphs")
        #expect((attrs?["cutoff"] as? NSNumber)?.doubleValue == 8.0)
        #expect((attrs?["mu"] as? [NSNumber])?.map(\.floatValue) == [0, 0.2])
        #expect((tree["/graphs/edge_distance"]?["attrs"] as? [String: Any])?["units"] as? String == "angstrom")
    }

    @Test func swiftReadsWhatH5pyWrites() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("h5py.h5")
        _ = try python("write_store.py", path)
        let group = try StoreFile.open(path).group("graphs")
        try group.requireEncoding("graphs", supported: ["1"])
        #expect(try group.attribute("cutoff", as: Double.self) == 8.0)
        #expect(try group.attributeArray("mu", as: Float.self) == [0, 0.2, 0.4])
        #expect(try group.read("edge_distance", as: Float.self).values == (0..<30000).map { Float($0) * Float(1e-3) })
        #expect(try group.dataset("edge_distance").stringAttribute("units") == "angstrom")
        let image = try group.read("edge_image", as: Int8.self)
        #expect(image.shape == [20, 3] && image.values == (-30..<30).map { Int8($0) })
        #expect(try group.read("edge_src", as: Int64.self).values == (0..<1000).map { Int64($0 * 3) })
        #expect(try group.read("node_atomic_number", as: Int16.self).values == (1..<84).map { Int16($0) })
        #expect(try group.readStrings("graph_id") == ["mp-149", "mp-2534", "Cs₂AgBiBr₆"])
        #expect(try group.readStrings("fixed_id") == ["ab", "cde"])
        let lattice = try group.read("graph_lattice", as: Double.self)
        #expect(lattice.shape == [2, 3, 3] && lattice.values[0] == 5.43 && lattice.values[4] == 5.43)
        #expect(try group.read("flags", as: UInt8.self).values == [0, 1, 255])
        #expect(try group.read("counts", as: Int32.self).values == [7, -7])
    }
}
