import Foundation
import Models
import Store
import Testing
import _TestSupport

@testable import Stages

/// The report on small run directories written with the Store API: every section and plot when every stage
/// output is there, notes naming the stage to run when they are not, one-line errors for unreadable files.
@Suite struct ReportStageTests {
    /// Crystal ids; one needs escaping.
    static let ids = (0..<30).map { $0 == 7 ? "<a&b>" : "x-\($0)" }

    /// Writes crystals.h5 (labels `gap` and `metal`, three rejects), graphs.h5, a two-member model with a test
    /// split, predictions.h5 (rows in reverse order) and, with `objectives` > 0, ranking.h5.
    static func makeRun(_ dir: TemporaryDirectory, objectives: Int = 2) throws {
        let count = ids.count
        let gap = (0..<count).map { $0 == 3 ? Double.nan : Double($0) / 10 }
        let crystals = try StoreFile.create(dir.file("crystals.h5")).root
        try crystals.setEncoding("crystals", version: "1")
        try crystals.write("graph_id", strings: ids)
        try crystals.write("node_ptr", (0...count).map { Int64(2 * $0) })
        let labels = try crystals.createGroup("labels")
        try labels.setEncoding("labels", version: "1")
        try labels.write("gap", gap).setAttribute("units", "eV")
        try labels.write("metal", (0..<count).map { $0 < 15 ? 1.0 : 0.0 }).setAttribute("units", "")
        let rejects = try crystals.createGroup("rejects")
        try rejects.setEncoding("rejects", version: "1")
        try rejects.write("source_file", strings: ["a.json", "a.json", "b.cif"])
        try rejects.write("record", strings: ["4", "9", "-"])
        try rejects.write("id", strings: ["<a&b>", "mp-2", ""])
        try rejects.write(
            "reason",
            strings: [
                "atoms 0 and 2 are 0.08 Å apart (closer than 0.5 Å)",
                "atoms 1 and 5 are 0.3 Å apart (closer than 0.5 Å)",
                "unknown element 'Xx'",
            ])

        let graphs = try StoreFile.create(dir.file("graphs.h5")).root
        try graphs.setEncoding("graphs", version: "1")
        try graphs.setAttribute("method", "radius")
        try graphs.write("node_ptr", (0...count).map { Int64(2 * $0) })
        try graphs.write("edge_ptr", (0...count).map { Int64(24 * $0) })

        try FileManager.default.createDirectory(atPath: dir.file("models"), withIntermediateDirectories: true)
        let model = try StoreFile.create(dir.file("models/m.h5")).root
        try model.setEncoding("model", version: "1")
        try model.setAttribute("architecture", "mt-cgcnn")
        let targets = [
            TargetSpec(name: "gap", classification: false, weight: 1, mean: 1, std: 1, units: "eV"),
            TargetSpec(name: "metal", classification: true, weight: 1, mean: 0, std: 1, units: ""),
        ]
        try model.setAttribute("targets", String(decoding: try JSONEncoder().encode(targets), as: UTF8.self))
        try model.setAttribute("members", Int64(2))
        try model.createGroup("split").write("test_id", strings: Array(ids.suffix(6)))
        for k in 0..<2 {
            var history = TrainingHistory()
            history.trainLoss = [10, 1, 0.3, 0.1].map { $0 * Double(k + 1) }
            history.validationLoss = [.nan, 2, 0.5, 0.4]
            history.learningRate = [1e-3, 1e-3, 1e-3, 1e-4]
            try model.createGroup("member_\(k)").setAttribute(
                "history", String(decoding: try JSONEncoder().encode(history), as: UTF8.self))
        }

        let predictions = try StoreFile.create(dir.file("predictions.h5")).root
        try predictions.setEncoding("predictions", version: "2")
        let order = Array((0..<count).reversed())
        try predictions.write("graph_id", strings: order.map { ids[$0] })
        try predictions.write("graph_note", strings: order.map { _ in "" })
        let trained = try predictions.createGroup("m")
        try trained.setAttribute("model", "m")
        func column(_ group: StoreGroup, _ name: String, _ task: String, _ units: String, _ values: [Double]) throws {
            let target = try group.createGroup(name)
            try target.setAttribute("task", task)
            try target.setAttribute("units", units)
            try target.write("mean", order.map { values[$0] })
            try target.write("std", order.map { _ in 0.0 })
        }
        try column(trained, "gap", "regression", "eV", (0..<count).map { Double($0) / 10 + 0.05 })
        try column(trained, "metal", "classification", "probability", (0..<count).map { $0 < 17 ? 0.9 : 0.2 })
        let published = try predictions.createGroup("published_band-gap")
        try published.setAttribute("model", "published:band-gap")
        try column(published, "band_gap", "regression", "eV", (0..<count).map { $0 == 5 ? .nan : Double($0) })

        if objectives > 0 { try writeRanking(dir.file("ranking.h5"), objectives: objectives) }
    }

    /// Writes a ranking.h5 of every crystal as `xtal-rank` will (its spec in the report's brief): `objectives`
    /// objectives, two fronts, the first five shortlisted.
    static func writeRanking(_ path: String, objectives: Int) throws {
        let rows = ids.count
        let root = try StoreFile.create(path).root
        try root.setEncoding("ranking", version: "1")
        try root.write("graph_id", strings: ids)
        try root.write("graph_formula", strings: ids.map { _ in "NaCl" })
        try root.write("rank", (0..<rows).map { Int64($0 + 1) })
        try root.write("front", (0..<rows).map { Int64($0 < 6 ? 1 : $0 < 28 ? 2 : 0) })
        try root.write("shortlisted", (0..<rows).map { UInt8($0 < 5 ? 1 : 0) })
        let values = (0..<rows).flatMap { row in (0..<objectives).map { Double(row * ($0 + 1)) / 7 } }
        let shape = [rows, objectives]
        try root.write("objective_value", NDArray(shape: shape, values: values))
        try root.write("objective_mean", NDArray(shape: shape, values: values))
        try root.write("objective_std", NDArray(shape: shape, values: values.map { $0 / 10 }))
        let properties = ["band_gap", "bulk_modulus", "density"].prefix(objectives)
        let json = properties.map { "{\"property\": \"\($0)\", \"direction\": \"maximize\"}" }.joined(separator: ",")
        try root.setAttribute("objectives", "[\(json)]")
        try root.setAttribute("filters", "[\"band_gap > 0.5\"]")
        try root.setAttribute("risk", "mean")
        try root.setAttribute("top", Int64(5))
        try root.setAttribute("candidates", Int64(rows))
        try root.setAttribute("passed", Int64(28))
    }

    /// Runs the report stage on `dir` and returns the page.
    static func report(_ dir: TemporaryDirectory) throws -> String {
        try ReportStage(directory: dir.path, quiet: true).run()
        return try String(contentsOfFile: dir.file("report.html"), encoding: .utf8)
    }

    /// The `<svg …>…</svg>` elements of `page`.
    static func plots(_ page: String) -> [String] {
        let pieces: [String] = page.components(separatedBy: "<svg")
        return pieces.dropFirst().map { $0.components(separatedBy: "</svg>")[0] }
    }

    @Test func everySectionWithItsPlots() throws {
        let dir = try TemporaryDirectory()
        try Self.makeRun(dir)
        // A pretrained encoder in models/ is listed, not read as a trained model.
        try StoreFile.create(dir.file("models/enc.h5")).root.setEncoding("encoder", version: "1")
        let page = try Self.report(dir)
        #expect(page.contains("<td>other model files (not shown)</td><td>enc</td>"))
        for heading in [
            "Rejected inputs", "Predicted against labelled", "Training curves", "Ranking", "Predicted properties",
        ] {
            #expect(page.contains("<h2>\(heading)</h2>"), "\(heading)")
        }
        // Only the embedding map is missing (this run has no embeddings.h5).
        let missing = page.components(separatedBy: "class=\"missing\"")
        #expect(missing.count == 2 && missing[1].contains("xtal embed"))
        // 1 parity (gap; metal is a classifier: a table), 2 members' curves, 1 Pareto plot, 3 histograms.
        let plots = Self.plots(page)
        #expect(plots.count == 7)
        #expect(page.components(separatedBy: "<svg").count == page.components(separatedBy: "</svg>").count)
        for plot in plots {
            #expect(!plot.lowercased().contains("nan") && !plot.lowercased().contains("inf"))
        }
        #expect(page.contains("30 crystals × 2 models, 3 targets"))
        #expect(page.contains("atoms # and # are # Å apart (closer than # Å)</td><td class=\"n\">2<"))
        #expect(page.contains("Test crystals: MAE 0.05 eV"))
        #expect(page.contains("ROC AUC") && page.contains("shortlisted"))
        #expect(page.contains("1 without a prediction (NaN) left out"))
        #expect(page.contains("&lt;a&amp;b&gt;") && !page.contains("<a&b>"))
        #expect(!page.contains("http") && !page.contains("<script"))
    }

    @Test func oneObjectiveIsAHistogramWithTheCut() throws {
        let dir = try TemporaryDirectory()
        try Self.makeRun(dir, objectives: 1)
        let page = try Self.report(dir)
        #expect(page.contains("shortlist cut") && page.contains("the 5 shortlisted have ≥"))
    }

    @Test func missingOutputsNameTheStageToRun() throws {
        let dir = try TemporaryDirectory()
        let page = try Self.report(dir)
        for stage in ["ingest", "predict", "train", "rank"] { #expect(page.contains("run <code>xtal \(stage)</code>")) }
        #expect(Self.plots(page).isEmpty)
        #expect(throws: StageError.self) { try ReportStage(directory: dir.file("absent")).run() }
        #expect(throws: ReportError.self) {
            try ReportStage(directory: dir.path, output: dir.file("absent/report.html"), quiet: true).run()
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("report.html.partial")))
    }

    @Test func unreadableFilesGiveOneLineNamingThem() throws {
        let dir = try TemporaryDirectory()
        try Self.makeRun(dir)
        try StoreFile.open(dir.file("predictions.h5"), writable: true).root.setAttribute("encoding_version", "9")
        let error = try #require(throws: StoreError.self) { try Self.report(dir) }
        #expect("\(error)".contains("predictions.h5") && !"\(error)".contains("\n"))
        try Self.makeRun(dir)
        try "not hdf5".write(toFile: dir.file("ranking.h5"), atomically: true, encoding: .utf8)
        #expect(throws: StoreError.notHDF5(file: dir.file("ranking.h5"))) { try Self.report(dir) }
    }

    @Test func duplicatesDroppedByIngestAreShownApartFromRejects() throws {
        let dir = try TemporaryDirectory()
        try Self.makeRun(dir)
        let rejects = try StoreFile.open(dir.file("crystals.h5"), writable: true).root.group("rejects")
        try rejects.setAttribute("encoding_version", "2")
        try rejects.write("kind", strings: ["error", "duplicate", "error"])
        let page = try Self.report(dir)
        #expect(page.contains("<p>2 records were rejected"))
        #expect(page.contains("<p>1 records were dropped as duplicates"))
        #expect(page.contains("<td>duplicates dropped</td><td class=\"n\">1</td>"))
        #expect(OutputSummary(path: dir.file("crystals.h5")).contents == "30 crystals, 2 rejects, 1 duplicates dropped")
    }

    @Test func plotHelpers() {
        #expect(AxisScale(covering: [0.03, 0.97]).ticks.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(
            AxisScale(covering: [0.5, 200], logarithmic: true).ticks.map(\.label) == ["0.1", "1", "10", "100", "1000"])
        #expect(abs(AxisScale(covering: [3, 3]).fraction(3) - 0.5) < 1e-9)
        #expect(Array(ReportFigure.subsample(150_000)).count <= ReportFigure.pointLimit)
        #expect(
            [1e-4, 2.5, 1234.5678, -0.0421, 2e6].map { Markup.number($0) } == [
                "1e-04", "2.5", "1235", "-0.0421", "2e+06",
            ])
        let corners = ParetoPlot.staircase([(1, 3), (2, 1)], maximizeX: true, maximizeY: true)
        #expect(corners.map(\.x) == [1, 1, 2] && corners.map(\.y) == [3, 1, 1])
        #expect(Markup.escape("<a&b \"c\">") == "&lt;a&amp;b &quot;c&quot;&gt;")
        #expect(
            RejectKinds.kind(of: "duplicate id 'mp-1' (first seen in a.json:0)") == "duplicate id '…' (first seen in #)"
        )
        #expect(
            Metrics.rocAUC([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75)
    }

    @Test func executableExitCodes() throws {
        let dir = try TemporaryDirectory()
        try Self.makeRun(dir)
        let executable = productsDirectory(containing: "xtal-report") + "/xtal-report"
        let ok = try runProcess(executable, ["--store", dir.path, "--output", dir.file("r.html")])
        #expect(ok.status == 0 && (ok.stdout + ok.stderr).contains("report: 30 crystals"))
        #expect(FileManager.default.fileExists(atPath: dir.file("r.html")))
        #expect(try runProcess(executable, [dir.path, "--quiet", "--force"]).status == 0)
        #expect(try runProcess(executable, []).status == 64)
        #expect(try runProcess(executable, [dir.path, "--store", dir.path]).status == 64)
        let missing = try runProcess(executable, [dir.file("absent")])
        #expect(
            missing.status == 1 && missing.stderr.hasPrefix("xtal-report: ")
                && missing.stderr.split(separator: "\n").count == 1)
    }
}
