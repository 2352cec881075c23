import Foundation
import Testing
import _TestSupport

@testable import Stages

/// The report's embedding map: principal axes of known data, and the section on a real run directory.
@Suite struct EmbeddingMapTests {
    @Test func principalAxesOfAnElongatedCloud() {
        // Points along (1, 1, 0) with a small spread along (1, −1, 0), uncorrelated with it, and none along z.
        var values: [Float] = []
        for i in -10...10 {
            for s: Float in [-0.25, 0.25] {
                let t = Float(i) / 2
                values += [t + s, t - s, 0]
            }
        }
        let axes = EmbeddingMap.principalAxes(values, width: 3)
        #expect(axes.count == 2)
        let first = axes[0].axis
        #expect(abs(abs(first[0]) - 0.5.squareRoot()) < 1e-6 && abs(first[0] - first[1]) < 1e-6 && abs(first[2]) < 1e-9)
        let second = axes[1].axis
        #expect(abs(second[0] + second[1]) < 1e-6 && abs(second[2]) < 1e-9)
        #expect(axes[0].share > 0.95 && abs(axes[0].share + axes[1].share - 1) < 1e-9)
    }

    @Test func theReportDrawsTheMapOfAnEmbeddedRun() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 20)
        try PretrainStageTests.pretrain(dir, ["--epochs", "1"])
        var page = try HTMLReport(contents: RunContents(directory: dir.path), date: Date()).render()
        #expect(page.contains("run <code>xtal embed --encoder NAME</code>") || page.contains("xtal embed"))
        _ = try EmbedStageTests.embed(dir, ["--encoder", "dssl"])
        page = try HTMLReport(contents: RunContents(directory: dir.path), date: Date()).render()
        #expect(page.contains("Embedding map: dssl"))
        #expect(page.contains("coloured by quartiles of a"), "the first label, a")
        #expect(!page.lowercased().contains("nan"))
    }
}
