import Foundation
import Testing

@testable import Store

/// Virtual datasets over other files' rows: read as one dataset through `Store` and h5py, wherever the folder
/// moves; rows no source covers read as the fill value; attributes copy with their types.
@Suite struct VirtualDatasetTests {
    /// Writes `parts/a.h5` (3 rows) and `parts/b.h5` (2 rows) under `dir`, each with `x` float64 [n, 2] (zstd) and
    /// `id` strings, and `joined.h5` whose `x` and `id` show a's rows, then two unmapped rows, then b's.
    static func writeFiles(_ dir: TemporaryDirectory) throws {
        try FileManager.default.createDirectory(atPath: dir.file("parts"), withIntermediateDirectories: true)
        for (name, rows) in [("a", 3), ("b", 2)] {
            let file = try StoreFile.create(dir.file("parts/\(name).h5"))
            let values = (0..<(2 * rows)).map { Double($0) + (name == "a" ? 0 : 100) }
            try file.root.write("x", NDArray(shape: [rows, 2], values: values), options: DatasetOptions())
                .setAttribute("units", "angstrom")
            try file.root.write("id", strings: (0..<rows).map { "\(name)-\($0)" })
            try file.close()
        }
        let file = try StoreFile.create(dir.file("joined.h5"))
        let root = try file.root
        let a = try StoreFile.open(dir.file("parts/a.h5")).root
        let sources = [
            VirtualSource(file: "parts/a.h5", dataset: "/x", rows: 0..<3, destination: 0),
            VirtualSource(file: "parts/b.h5", dataset: "/x", rows: 0..<2, destination: 5),
        ]
        let x = try root.createVirtualDataset("x", like: try a.dataset("x"), rows: 7, sources: sources, fill: .nan)
        try x.copyAttributes(from: try a.dataset("x"))
        let ids = sources.map {
            VirtualSource(file: $0.file, dataset: "/id", rows: $0.rows, destination: $0.destination)
        }
        try root.createVirtualDataset("id", like: try a.dataset("id"), rows: 7, sources: ids)
        try root.setEncoding("test", version: "1")
        try root.setAttribute(StoreFile.stitchedShardsAttribute, ["parts/a.h5", "parts/b.h5"])
        try root.setAttribute("sizes", [Int64(3), 2])
        try file.close()
    }

    static let expected = [0.0, 1, 2, 3, 4, 5, .nan, .nan, .nan, .nan, 100, 101, 102, 103]

    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    @Test func readsAsOneDatasetWhereverTheFolderGoes() throws {
        let dir = try TemporaryDirectory()
        try Self.writeFiles(dir)
        let moved = try TemporaryDirectory()
        let target = moved.file("run")
        try FileManager.default.moveItem(atPath: dir.path, toPath: target)
        let root = try StoreFile.open(target + "/joined.h5").root
        #expect(try root.requireEncoding("test", supported: ["1"]) == "1")
        let x = try root.dataset("x")
        #expect(x.isVirtual)
        #expect(try x.shape() == [7, 2])
        #expect(Self.same(try x.read(as: Double.self).values, Self.expected))
        #expect(try x.read(rows: 4..<6, as: Double.self).values.dropFirst(2) == [100, 101])
        #expect(try root.readStrings("id") == ["a-0", "a-1", "a-2", "", "", "b-0", "b-1"])
        #expect(try x.stringAttribute("units") == "angstrom")

        // A shard gone: refused when the file is opened for reading, naming it.
        try FileManager.default.removeItem(atPath: target + "/parts/b.h5")
        #expect { try root.requireEncoding("test", supported: ["1"]) } throws: { error in
            "\(error)".contains("shard parts/b.h5 it reads is missing")
        }
    }

    /// Ways a shard can exist and still not open as a source: cut short, not HDF5, or open here as a
    /// `StoreFile` (a close degree HDF5 does not share).
    @Test(arguments: ["truncated", "not HDF5", "open here"])
    func aShardHDF5CannotOpenIsRefusedNotReadAsFillValues(damage: String) throws {
        let dir = try TemporaryDirectory()
        try Self.writeFiles(dir)
        let shard = dir.file("parts/b.h5")
        var held: StoreFile?
        switch damage {
        case "truncated":
            let bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: shard))
        case "not HDF5": try Data("material_id,band_gap\n".utf8).write(to: URL(fileURLWithPath: shard))
        default: held = try StoreFile.open(shard)
        }
        let root = try StoreFile.open(dir.file("joined.h5")).root
        #expect {
            try root.requireEncoding("test", supported: ["1"])
        } throws: { error in
            "\(error)".hasPrefix("\(dir.file("joined.h5")):/: corrupt: shard parts/b.h5 it reads cannot be opened (")
                && "\(error)".contains(shard) && !"\(error)".contains("\n")
        }
        try held?.close()
        if held != nil { #expect(try root.requireEncoding("test", supported: ["1"]) == "1") }
    }

    @Test func h5pyReadsTheVirtualDataset() throws {
        let dir = try TemporaryDirectory()
        try Self.writeFiles(dir)
        // Python's json writes NaN as a bare `NaN`, which JSONSerialization refuses: read it as null.
        let json = try PythonInteropTests().python("read_store.py", dir.file("joined.h5"))
            .replacingOccurrences(of: "NaN", with: "null")
        let tree = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: Any]])
        let x = (tree["/x"]?["values"] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
        #expect(Self.same(x, Self.expected))
        #expect(tree["/id"]?["values"] as? [String] == ["a-0", "a-1", "a-2", "", "", "b-0", "b-1"])
        #expect((tree["/x"]?["attrs"] as? [String: String])?["units"] == "angstrom")
        let root = tree["/"]?["attrs"] as? [String: Any]
        #expect((root?["sizes"] as? [Int]) == [3, 2])
        #expect((root?[StoreFile.stitchedShardsAttribute] as? [String]) == ["parts/a.h5", "parts/b.h5"])
    }

    @Test func attributesCopyWithTheirTypes() throws {
        let dir = try TemporaryDirectory()
        let file = try StoreFile.create(dir.file("a.h5"))
        let source = try file.root.createGroup("source")
        try source.setAttribute("text", "Cs₂AgBiBr₆")
        try source.setAttribute("texts", ["a", "bb"])
        try source.setAttribute("number", 8.5)
        try source.setAttribute("numbers", [Int32(1), 2, 3])
        try source.setAttribute("left_out", "x")
        let copy = try file.root.createGroup("copy")
        try copy.setAttribute("number", 1.0)
        try copy.copyAttributes(from: source) { $0 == "left_out" }
        #expect(try copy.attributeNames().sorted() == ["number", "numbers", "text", "texts"])
        #expect(try copy.stringAttribute("text") == "Cs₂AgBiBr₆")
        #expect(try copy.stringArrayAttribute("texts") == ["a", "bb"])
        #expect(try copy.attribute("number", as: Double.self) == 8.5)
        #expect(try copy.attributeArray("numbers", as: Int32.self) == [1, 2, 3])
    }
}
