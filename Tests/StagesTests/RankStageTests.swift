import Crystal
import Foundation
import Store
import Testing
import _TestSupport

@testable import Stages

/// End-to-end rank stage on `RankFixture`'s hand-made store: orders, fronts, risk, shortlist, `ranking.h5`,
/// exports, and the `xtal-rank` executable's exit codes.
@Suite struct RankStageTests {
    /// A fresh fixture store.
    func store(spaceGroups: Bool = false) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        try RankFixture.write(in: dir, spaceGroups: spaceGroups)
        return dir
    }

    @Test func oneObjectiveSortsBestFirstWithUnrankedLast() throws {
        let dir = try store()
        let summary = try RankFixture.rank(["--maximize", "x"], in: dir)
        #expect(summary.ids == ["c", "e", "g", "b", "d", "f", "h", "a", "i"])
        #expect(summary.candidates == 9 && summary.passed == 9 && summary.fronts == 1 && summary.unranked == 1)
        let minimized = try RankFixture.rank(["--minimize", "m1/x", "--force"], in: dir)
        #expect(minimized.ids == ["a", "h", "f", "d", "b", "g", "e", "c", "i"])
        // Equal labels (a and e: 1.5) are ordered by id; c has no label.
        let labels = try RankFixture.rank(["--maximize", "label/n", "--force"], in: dir)
        #expect(labels.ids == ["g", "d", "b", "i", "f", "a", "e", "h", "c"])
    }

    @Test func twoObjectivesGiveParetoFrontsOrderedByTheFirstObjective() throws {
        let dir = try store()
        let summary = try RankFixture.rank(["--maximize", "x", "--maximize", "m1/y"], in: dir)
        #expect(summary.ids == ["c", "b", "a", "e", "d", "g", "f", "h", "i"])
        #expect(summary.fronts == 3)
        let ranking = try StoreFile.open(dir.file("ranking.h5")).root
        #expect(try ranking.read("front", as: Int64.self).values == [1, 1, 1, 2, 2, 3, 3, 3, 0])
        // The first objective given orders each front.
        let swapped = try RankFixture.rank(["--maximize", "m1/y", "--maximize", "x", "--force"], in: dir)
        #expect(swapped.ids == ["a", "b", "c", "d", "e", "h", "f", "g", "i"])
    }

    @Test func threeObjectivesAndMixedDirections() throws {
        let dir = try store()
        // Minimising z as well lifts d and h (better in z than all that dominate them in x, y) into front 1;
        // then e and f are undominated, and g (dominated by e) is last.
        let summary = try RankFixture.rank(["--maximize", "x", "--minimize", "z", "--maximize", "m1/y"], in: dir)
        #expect(summary.ids == ["c", "b", "d", "h", "a", "e", "f", "g", "i"])
        let ranking = try StoreFile.open(dir.file("ranking.h5")).root
        #expect(try ranking.read("front", as: Int64.self).values == [1, 1, 1, 1, 1, 2, 2, 3, 0])
        let objectives = try ranking.stringAttribute("objectives")
        #expect(
            objectives == #"[{"direction":"maximize","property":"m1/x"},{"direction":"minimize","property":"m2/z"},"#
                + #"{"direction":"maximize","property":"m1/y"}]"#)
        #expect(try ranking.dataset("objective_mean").shape() == [9, 3])
    }

    @Test func riskLowersUncertainPredictions() throws {
        let dir = try store()
        // b: x = 5 ± 3. lcb:1 scores it 2 when maximised (tied with h, ordered by id) and 8 when minimised.
        let maximized = try RankFixture.rank(["--maximize", "x", "--risk", "lcb:1"], in: dir)
        #expect(maximized.ids == ["c", "e", "g", "d", "f", "b", "h", "a", "i"])
        let minimized = try RankFixture.rank(["--minimize", "x", "--risk", "lcb:1", "--force"], in: dir)
        #expect(minimized.ids == ["a", "h", "f", "d", "g", "b", "e", "c", "i"])
        let ranking = try StoreFile.open(dir.file("ranking.h5")).root
        let b = try #require(minimized.ids.firstIndex(of: "b"))
        #expect(try ranking.read("objective_value", as: Double.self).values[b] == 8)
        #expect(try ranking.read("objective_mean", as: Double.self).values[b] == 5)
        #expect(try ranking.read("objective_std", as: Double.self).values[b] == 3)
        #expect(try ranking.stringAttribute("risk") == "lcb:1")
    }

    @Test func filtersTopAndTheRankingFile() throws {
        let dir = try store()
        let summary = try RankFixture.rank(
            ["--where", "elements excludes Pb,Cd,Hg", "--where", "x >= 2", "--maximize", "x", "--top", "2"], in: dir)
        #expect(summary.ids == ["c", "e", "b", "f", "h"])
        #expect(summary.passed == 5 && summary.shortlisted == 2)
        let ranking = try StoreFile.open(dir.file("store.h5")).group("ranking")
        try ranking.requireEncoding("ranking", supported: ["1"])
        #expect(try ranking.readStrings("graph_id") == summary.ids)
        #expect(try ranking.readStrings("graph_formula") == ["SiO2", "LiFeO2", "NaCl", "MgO", "CaO"])
        #expect(try ranking.read("rank", as: Int64.self).values == [1, 2, 3, 4, 5])
        #expect(try ranking.read("front", as: Int64.self).values == [1, 1, 1, 1, 1])
        #expect(try ranking.read("shortlisted", as: UInt8.self).values == [1, 1, 0, 0, 0])
        #expect(try ranking.read("objective_value", as: Double.self).values == [9, 8, 5, 3, 2])
        #expect(try ranking.dataset("objective_value").stringArrayAttribute("units") == ["eV"])
        #expect(try ranking.stringAttribute("filters") == #"["elements excludes Pb,Cd,Hg","x >= 2"]"#)
        #expect(try ranking.attribute("top", as: Int64.self) == 2)
        #expect(try ranking.attribute("candidates", as: Int64.self) == 9)
        #expect(try ranking.attribute("passed", as: Int64.self) == 5)
        #expect(try ranking.stringAttribute("provenance_stage") == "rank")
        #expect(try ranking.stringArrayAttribute("provenance_input_names") == ["crystals.h5", "predictions.h5"])

        // The output exists: --force is needed; nothing passing still writes an (empty) ranking.
        #expect(throws: StageError.outputExists(dir.file("ranking.h5"))) {
            try RankFixture.rank(["--maximize", "x"], in: dir)
        }
        let none = try RankFixture.rank(["--where", "x > 100", "--maximize", "x", "--force"], in: dir)
        #expect(none.passed == 0 && none.ids.isEmpty)
        #expect(try StoreFile.open(dir.file("ranking.h5")).root.dataset("objective_value").shape() == [0, 1])
    }

    @Test func objectivesKeepTheirCommandLineOrder() {
        let order = RankObjective.inCommandLineOrder(
            maximize: ["a", "c"], minimize: ["b"],
            arguments: ["--store", "r", "--maximize", "a", "--minimize=b", "--where", "x > 1", "--maximize", "c"])
        #expect(order == [RankObjective(.maximize, "a"), RankObjective(.minimize, "b"), RankObjective(.maximize, "c")])
        // Arguments that do not match what was parsed: maximised first.
        let fallback = RankObjective.inCommandLineOrder(
            maximize: ["a"], minimize: ["b"], arguments: ["--minimize", "b"])
        #expect(fallback == [RankObjective(.maximize, "a"), RankObjective(.minimize, "b")])
    }

    @Test func csvJSONAndCIFExports() throws {
        let dir = try store(spaceGroups: true)
        let csv = dir.file("out/short.csv")
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        let json = dir.file("out/short.json")
        let cifs = dir.file("out/cifs") + "/"
        _ = try RankFixture.rank(
            [
                "--maximize", "x", "--maximize", "m1/y", "--top", "3", "--export", csv, "--export", json, "--export",
                cifs,
            ],
            in: dir)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).components(separatedBy: "\r\n")
        #expect(lines.count == 5 && lines[4].isEmpty)
        #expect(
            lines[0]
                == "rank,front,id,formula,spacegroup,nsites,m1/x,m1/x:std,m1/y,m1/y:std,m2/y,m2/y:std,m2/z,m2/z:std,label/n"
        )
        #expect(lines[1] == "1,1,c,SiO2,221,3,9.0,0.0,1.0,0.0,-1.0,0.0,5.0,0.0,")
        #expect(lines[2] == "2,1,b,NaCl,221,2,5.0,3.0,5.0,0.0,-5.0,0.0,5.0,0.0,2.5")

        let objects = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [[String: Any]])
        #expect(objects.count == 3)
        #expect(objects.map { $0["id"] as? String } == ["c", "b", "a"])
        #expect(objects[0]["label/n"] is NSNull && objects[0]["spacegroup"] as? Int == 221)
        #expect(objects[1]["m1/x:std"] as? Double == 3)

        let written = try FileManager.default.contentsOfDirectory(atPath: cifs).sorted()
        #expect(written == ["a.cif", "b.cif", "c.cif"])
        let c = try CIFParser.parseBlock(try String(contentsOfFile: cifs + "c.cif", encoding: .utf8))
        #expect(c.id == "c" && c.sites.map(\.element.symbol) == ["Si", "O", "O"])
        #expect(c.sites.map(\.fracCoords) == Array(RankFixture.fractions.prefix(3)))
        #expect(abs(c.lattice.volume - pow(RankFixture.edge("c"), 3)) < 1e-6)
    }

    @Test func exportNamesAreSafeAndDistinct() {
        #expect(RankExports.fileName(for: "mp-149") == "mp-149")
        #expect(RankExports.fileName(for: "../etc/passwd") == "_.._etc_passwd")
        #expect(RankExports.fileName(for: "matbench_dielectric:12") == "matbench_dielectric_12")
        #expect(RankExports.fileName(for: "") == "_")
        #expect(RankExports.jsonString("a\"b\\c\nd\u{1}") == #""a\"b\\c\nd\u0001""#)
    }

    @Test func executableExitCodes() throws {
        let dir = try store()
        let executable = productsDirectory(containing: "xtal-rank") + "/xtal-rank"
        let ok = try runProcess(executable, ["--store", dir.path, "--minimize", "z", "--maximize", "x", "--top", "2"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let summary = "rank: 9 candidates, 9 passed filters, 6 fronts, shortlist 2 → \(dir.path)/ranking.h5"
        #expect(ok.stdout.hasPrefix(summary), "\(ok.stdout)")
        // Objectives in command-line order: z first in the table's columns.
        let header = ok.stdout.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
        #expect(
            header.replacingOccurrences(of: " +", with: " ", options: .regularExpression)
                == "rank front id formula min z max x")
        #expect(ok.stdout.contains("   1      1  h   CaO      0.000  2.000 ± 0.000\n"), "\(ok.stdout)")
        let unknown = try runProcess(executable, ["--store", dir.path, "--maximize", "band_gap", "--force"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.hasPrefix("xtal-rank: unknown property 'band_gap'; available: nsites"))
        let usage = try runProcess(executable, ["--store", dir.path, "--where", "elements excludes Xx"])
        #expect(usage.status == 64 && usage.stderr.contains("'Xx' is not an element symbol"))
        let risk = try runProcess(executable, ["--store", dir.path, "--maximize", "x", "--risk", "ucb:1"])
        #expect(risk.status == 64)
    }
}
