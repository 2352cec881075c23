import Testing

@testable import Store

@Suite struct StringAndAttributeTests {
    @Test(arguments: DatasetRoundTripTests.compressions)
    func stringDatasetsRoundTripUTF8(_ compression: Compression) throws {
        let dir = try TemporaryDirectory()
        let ids = ["mp-149", "", "mvc-11235", "Cs₂AgBiBr₆ ünïcödé", String(repeating: "x", count: 5000)]
        let file = try StoreFile.create(dir.file("s.h5"))
        try file.root.write("graph_id", strings: ids, options: DatasetOptions(compression: compression, chunkBytes: 32))
        try file.root.write("grid", strings: ["a", "b", "c", "d", "e", "f"], shape: [2, 3])
        try file.root.write("none", strings: [])
        try file.close()

        let back = try StoreFile.open(dir.file("s.h5"))
        #expect(try back.root.readStrings("graph_id") == ids)
        #expect(try back.root.dataset("grid").shape() == [2, 3])
        #expect(try back.root.readStrings("grid") == ["a", "b", "c", "d", "e", "f"])
        #expect(try back.root.readStrings("none") == [])
        #expect(throws: StoreError.self) { try back.root.read("graph_id", as: Float.self) }
    }

    @Test func scalarAndArrayAttributes() throws {
        let dir = try TemporaryDirectory()
        let file = try StoreFile.create(dir.file("a.h5"))
        let group = try file.root.createGroup("graphs")
        let dataset = try group.write("edge_distance", [Float(1.5), 2.5])
        try dataset.setAttribute("units", "angstrom")
        try group.setAttribute("cutoff", 8.0)
        try group.setAttribute("max_neighbors", Int32(12))
        try group.setAttribute("flag", UInt8(1))
        try group.setAttribute("mu", [Float(0), 0.2, 0.4])
        try group.setAttribute("labels", ["band_gap", "formation_energy"])
        try group.setAttribute("empty", [Int64]())
        try group.setAttribute("cutoff", 6.0)  // replaces
        try file.close()

        let back = try StoreFile.open(dir.file("a.h5")).group("graphs")
        #expect(try back.dataset("edge_distance").stringAttribute("units") == "angstrom")
        #expect(try back.attribute("cutoff", as: Double.self) == 6.0)
        #expect(try back.attribute("max_neighbors", as: Int32.self) == 12)
        #expect(try back.attribute("flag", as: UInt8.self) == 1)
        #expect(try back.attributeArray("mu", as: Float.self) == [0, 0.2, 0.4])
        #expect(try back.stringArrayAttribute("labels") == ["band_gap", "formation_energy"])
        #expect(try back.attributeArray("empty", as: Int64.self) == [])
        #expect(try back.attributeNames() == ["cutoff", "empty", "flag", "labels", "max_neighbors", "mu"])
        #expect(!back.hasAttribute("nope"))
        #expect(throws: StoreError.missing(file: dir.file("a.h5"), object: "/graphs@nope")) {
            try back.stringAttribute("nope")
        }
        #expect(throws: StoreError.self) { try back.attribute("cutoff", as: Float.self) }
        #expect(throws: StoreError.self) { try back.attribute("mu", as: Float.self) }
        #expect(throws: StoreError.self) { try back.stringAttribute("cutoff") }
    }

    @Test func encodingIsCheckedBeforeUse() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("e.h5")
        let file = try StoreFile.create(path)
        let crystals = try file.root.createGroup("crystals")
        try crystals.setEncoding("crystals", version: "1")
        let bare = try file.root.createGroup("bare")
        #expect(try crystals.requireEncoding("crystals", supported: ["1"]) == "1")
        #expect(
            throws: StoreError.wrongEncoding(file: path, object: "/crystals", expected: "graphs", found: "crystals")
        ) {
            try crystals.requireEncoding("graphs", supported: ["1"])
        }
        #expect(throws: StoreError.wrongEncoding(file: path, object: "/bare", expected: "graphs", found: nil)) {
            try bare.requireEncoding("graphs", supported: ["1"])
        }
        let future = StoreError.unsupportedVersion(
            file: path, object: "/crystals", encoding: "crystals", version: "1", supported: ["2", "3"])
        #expect(throws: future) { try crystals.requireEncoding("crystals", supported: ["2", "3"]) }
        #expect(
            future.description
                == "\(path):/crystals: crystals encoding_version '1' is not supported (this build reads 2, 3)")
    }
}
