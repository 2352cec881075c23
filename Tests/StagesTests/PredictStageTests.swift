import Foundation
import Store
import Testing
import _TestSupport

@testable import Stages

/// End-to-end prediction with the published CGCNN models shipped in `data/cgcnn`: ingest → graph → predict
/// on the CGCNN sample CIFs gives the reference PyTorch predictions.
@Suite struct PredictStageTests {
    static let published = IngestTests.repository.appendingPathComponent("data/cgcnn").path

    @Test func publishedModelsThroughEveryStage() throws {
        let dir = try TemporaryDirectory()
        // Lawrencium (Z = 103) has no CGCNN atom features: that crystal gets NaN and a note, the rest go on.
        let lawrencium = dir.file("Lr.vasp")
        try "Lr\n1.0\n4 0 0\n0 4 0\n0 0 4\nLr\n1\nDirect\n0 0 0\n".write(
            toFile: lawrencium, atomically: true, encoding: .utf8)
        let ingest = try IngestCommand.parse([GraphStageTests.cifs, lawrencium, "--store", dir.path, "--quiet"])
        _ = try Ingest(parameters: ingest.parameters, options: ingest.common).run()
        let graph = try GraphCommand.parse(["--store", dir.path, "--quiet"])
        _ = try GraphStage(parameters: try #require(graph.parameters), options: graph.common).run()

        // Plain radius graphs are refused: the published models were trained on CGCNN's padded graphs.
        let command = try PredictCommand.parse(
            ["--store", dir.path, "--quiet", "--model", "published:band-gap", "--published-dir", Self.published])
        let stage = try PredictStage(
            models: ["published:band-gap"], publishedDirectory: Self.published, options: command.common)
        #expect(throws: StageError.self) { try stage.run() }

        let compat = try GraphCommand.parse(["--store", dir.path, "--quiet", "--force", "--cgcnn-compat"])
        _ = try GraphStage(parameters: try #require(compat.parameters), options: compat.common).run()
        let properties = [
            "band-gap", "bulk-moduli", "efermi", "final-energy-per-atom", "formation-energy-per-atom", "poisson-ratio",
            "semi-metal-classification", "shear-moduli",
        ]
        let summary = try PredictStage(
            models: properties.map { "published:\($0)" }, publishedDirectory: Self.published, options: command.common
        ).run()
        #expect(summary.crystals == 11 && summary.rejected == 1)
        #expect(throws: StageError.unknownModel("mine")) {
            try PredictStage(models: ["mine"], publishedDirectory: Self.published, options: command.common).run()
        }

        let predictions = try StoreFile.open(dir.file("store.h5")).group("predictions")
        try predictions.requireEncoding("predictions", supported: ["2"])
        let ids = try predictions.readStrings("graph_id")
        let csv = try String(
            contentsOfFile: IngestTests.shared + "/cgcnn-pretrained/reference-predictions-cgcnn-sample.csv",
            encoding: .utf8)
        var compared = 0
        for line in csv.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",").map(String.init)
            let target = fields[1].replacingOccurrences(of: "-", with: "_")
            let values = try predictions.group("published_\(fields[1])/\(target)").read("mean", as: Double.self).values
            let row = try #require(ids.firstIndex(of: fields[0]))
            #expect(abs(values[row] - (Double(fields[2]) ?? .nan)) < 1e-3, "\(fields[1]) \(fields[0])")
            compared += 1
        }
        #expect(compared == 80)
        let lr = try #require(ids.firstIndex(of: "Lr"))
        #expect(try predictions.readStrings("graph_note")[lr].contains("Z = 103"))
        #expect(try predictions.group("published_band-gap/band_gap").read("mean", as: Double.self).values[lr].isNaN)
    }
}

/// A model whose output overflows gives NaN with a note naming the crystal, never an infinity in predictions.h5.
@Suite struct NonFinitePredictionTests {
    @Test func anOverflowingModelGivesNaNAndSaysSo() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 12)
        try TrainStageTests.train(dir, ["--targets", "a", "--epochs", "1", "--name", "broken"])
        // Its output layer's bias becomes infinite, as weights that diverged would be.
        let file = try StoreFile.open(dir.file("models/broken.h5"), writable: true)
        let parameters = try file.root.group("member_0/checkpoint/parameters")
        let bias = try #require(try parameters.childNames().last { $0.hasPrefix("heads.") && $0.hasSuffix(".bias") })
        let shape = try parameters.dataset(bias).shape()
        try parameters.remove(bias)
        try parameters.write(bias, NDArray(shape: shape, values: [Float](repeating: .infinity, count: shape[0])))
        try file.close()

        var notes: [String] = []
        let command = try PredictCommand.parse(["--store", dir.path, "--quiet", "--model", "broken"])
        var stage = try PredictStage(models: ["broken"], publishedDirectory: "", options: command.common)
        stage.report = { notes.append($0) }
        let summary = try stage.run()
        #expect(summary.rejected == 12)
        let predictions = try StoreFile.open(dir.file("predictions.h5")).root
        #expect(try predictions.group("broken/a").read("mean", as: Double.self).values.allSatisfy(\.isNaN))
        let recorded = try predictions.readStrings("graph_note")
        #expect(recorded.allSatisfy { $0.hasPrefix("broken gave a non-finite a (") && $0.hasSuffix("left NaN") })
        let ids = try predictions.readStrings("graph_id")
        #expect(notes.first == "xtal-predict: \(ids[0]): \(recorded[0])", "\(notes)")
    }
}
