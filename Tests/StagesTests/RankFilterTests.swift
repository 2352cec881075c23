import Crystal
import Foundation
import Testing
import _TestSupport

@testable import Stages

/// `--where` parsing and evaluation, and how property names resolve, on `RankFixture`'s store.
@Suite struct RankFilterTests {
    /// The ids passing `filters`, in store order.
    func passing(_ filters: [String], table: CrystalTable) throws -> [String] {
        var passes = [Bool](repeating: true, count: table.count)
        for filter in filters {
            for (row, passed) in try RankFilter(parsing: filter).evaluate(on: table).enumerated() where !passed {
                passes[row] = false
            }
        }
        return table.ids.indices.filter { passes[$0] }.map { table.ids[$0] }
    }

    @Test func parsesBothForms() throws {
        let compact = try RankFilter(parsing: "band_gap>=1.5")
        #expect(compact.condition == .compare(property: "band_gap", .greaterOrEqual, bound: 1.5))
        let spaced = try RankFilter(parsing: "  mt-cgcnn/n  !=  -2e-1 ")
        #expect(spaced.condition == .compare(property: "mt-cgcnn/n", .notEqual, bound: -0.2))
        #expect(spaced.text == "  mt-cgcnn/n  !=  -2e-1 ")
        let symbols = ["Pb", "Cd", "Hg"].compactMap { Element(symbol: $0) }
        #expect(try RankFilter(parsing: "elements excludes Pb, Cd,Hg").condition == .excludes(symbols))
        let oxygen = try #require(Element(symbol: "O"))
        #expect(try RankFilter(parsing: "elements includes O").condition == .includes([oxygen]))
    }

    @Test(arguments: [
        "band_gap = 1", "band_gap > one", "band_gap >", "> 1", "band_gap", "band_gap > nan", "elements excludes Xx",
        "elements excludes pb", "elements contains O", "elements includes", "elements includes O,,S",
    ])
    func rejectsMalformedExpressions(_ text: String) {
        #expect(throws: RankError.self) { try RankFilter(parsing: text) }
    }

    @Test func everyOperatorAndNaNFailing() throws {
        let dir = try TemporaryDirectory()
        try RankFixture.write(in: dir)
        let table = try CrystalTable(directory: RunDirectory(dir.path), threads: 1)
        // x: h 2, c 9, a 1, g 7, e 8, b 5, i NaN, d 4, f 3.
        #expect(try passing(["x < 4"], table: table) == ["h", "a", "f"])
        #expect(try passing(["x <= 4"], table: table) == ["h", "a", "d", "f"])
        #expect(try passing(["x > 7"], table: table) == ["c", "e"])
        #expect(try passing(["x>=7"], table: table) == ["c", "g", "e"])
        #expect(try passing(["m1/x == 5"], table: table) == ["b"])
        // NaN fails every comparison, != included.
        #expect(try passing(["x != 5"], table: table) == ["h", "c", "a", "g", "e", "d", "f"])
        #expect(try passing(["x > 1", "x < 8"], table: table) == ["h", "g", "b", "d", "f"])
        // Labels: bare and full names; c's label is NaN.
        #expect(try passing(["n >= 2.5"], table: table) == ["g", "b", "d"])
        #expect(try passing(["label/n < 1.6"], table: table) == ["h", "a", "e"])
    }

    @Test func elementFilters() throws {
        let dir = try TemporaryDirectory()
        try RankFixture.write(in: dir)
        let table = try CrystalTable(directory: RunDirectory(dir.path), threads: 1)
        #expect(try passing(["elements excludes Pb,Cd,Hg"], table: table) == ["h", "c", "e", "b", "i", "f"])
        #expect(try passing(["elements includes O"], table: table) == ["h", "c", "e", "f"])
        #expect(try passing(["elements includes Fe,O"], table: table) == ["e"])
        #expect(try passing(["elements includes O", "elements excludes Fe"], table: table) == ["h", "c", "f"])
    }

    @Test func structurePropertiesAndNames() throws {
        let dir = try TemporaryDirectory()
        try RankFixture.write(in: dir, spaceGroups: true)
        let table = try CrystalTable(directory: RunDirectory(dir.path), threads: 1)
        #expect(try passing(["nsites >= 3"], table: table) == ["c", "e"])
        #expect(try passing(["nelements == 3"], table: table) == ["e"])
        // h is first: a 3 Å cube of 27 Å³ holding Ca + O.
        let h = 0
        #expect(abs(try table.column("volume").mean[h] - 27) < 1e-9)
        let mass = try #require(Element(symbol: "Ca")).mass + (try #require(Element(symbol: "O"))).mass
        #expect(abs(try table.column("density").mean[h] - mass * 1.660_539_066_60 / 27) < 1e-12)
        #expect(try passing(["spacegroup == 221"], table: table).count == 8)
        #expect(try table.column("spacegroup").mean[6].isNaN)  // i: spglib found none (0)
        #expect(try table.column("x").name == "m1/x")
        #expect(try table.column("z").name == "m2/z")
        #expect(try table.column("n").name == "label/n")
        let x = try table.column("m1/x")
        #expect(x.std?[5] == 3 && x.std?[6].isNaN == true && x.mean[6].isNaN)  // b: std 3; i: no prediction
        #expect(throws: RankError.ambiguousProperty("y", candidates: ["m1/y", "m2/y"])) { try table.column("y") }
        #expect(throws: RankError.self) { try table.column("band_gap") }
        do {
            _ = try table.column("band_gap")
        } catch {
            #expect(
                "\(error)"
                    == "unknown property 'band_gap'; available: nsites, nelements, volume, density, spacegroup, "
                    + "m1/x, m1/y, m2/y, m2/z, label/n")
        }
    }

    @Test func spaceGroupNeedsGraphsAndPredictionsNeedPredict() throws {
        let dir = try TemporaryDirectory()
        try RankFixture.write(in: dir)
        let table = try CrystalTable(directory: RunDirectory(dir.path), threads: 1)
        #expect(throws: RankError.noSpaceGroups("graphs.h5")) { try table.column("spacegroup") }
        #expect(!table.propertyNames.contains("spacegroup"))
        try FileManager.default.removeItem(atPath: dir.file("predictions.h5"))
        let bare = try CrystalTable(directory: RunDirectory(dir.path), threads: 1)
        #expect(throws: RankError.unknownProperty("x", available: bare.propertyNames, predictionsMissing: true)) {
            try bare.column("x")
        }
        #expect(bare.propertyNames == ["nsites", "nelements", "volume", "density", "label/n"])
    }
}
