import Foundation
import Pipeline
import Store
import Tensor
import Testing
import _TestSupport

@testable import Stages

/// Faults a campaign meets: a stage killed with SIGKILL at a random moment, then the pipeline run again, gives the
/// store an uninterrupted run gives; a full disk (a file-size limit) gives a one-line error and leaves the earlier
/// output as it was.
@Suite struct FaultTests {
    /// A pipeline over 300 crystals in 4 files into `run`: ingest, graph, train, pretrain, embed, predict, rank.
    static func pipeline(_ dir: TemporaryDirectory, docs: String, run: String) throws -> String {
        let text = """
            version: 1
            run: \(run)
            stages:
              ingest: {inputs: \(docs), label: [a=a, metal=metal], quiet: true}
              graph: {cutoff: 6, quiet: true}
              \(TrainStageTests.trainStep(epochs: 3))
              pretrain:
                method: negnn-predictive
                epochs: 2
                width: 8
                convolutions: 1
                batch-size: 32
                atom-features: \(TrainStageTests.atomFeatures)
                quiet: true
              embed: {encoder: mt-cgcnn, quiet: true}
              predict: {model: mt-cgcnn, quiet: true}
              rank: {maximize: a, top: 5, quiet: true}
            """
        let path = run + ".yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let outputs = [
        "crystals.h5", "graphs.h5", "models/mt-cgcnn.h5", "models/negnn-predictive.h5", "embeddings.h5",
        "predictions.h5", "ranking.h5",
    ]

    /// How long each step took in a run, from `pipeline.log` (`… graph done after 0.4 s`).
    static func durations(_ run: String) throws -> [String: Double] {
        let log = try String(contentsOfFile: run + "/pipeline.log", encoding: .utf8)
        var found: [String: Double] = [:]
        for line in log.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count >= 6, words[2] == "done", let seconds = Double(words[4]) else { continue }
            found[String(words[1])] = seconds
        }
        return found
    }

    @Test(arguments: ["ingest", "graph", "train", "pretrain", "embed", "predict", "rank"])
    func aStageKilledAtRandomThenRerunGivesTheUninterruptedStore(stage: String) throws {
        let dir = try TemporaryDirectory()
        let docs = try ShardTests.writeDocumentFiles(dir, count: 300)
        let xtal = PipelineRunTests.xtal
        let reference = dir.file("reference")
        #expect(try runProcess(xtal, ["run", try Self.pipeline(dir, docs: docs, run: reference)]).status == 0)
        let expected = try Self.outputs.map { try ShardTests.contents(reference + "/" + $0) }
        let duration = try #require(try Self.durations(reference)[stage])

        var landed = 0
        for seed in [1, 2, 3] {
            let run = dir.file("killed-\(seed)")
            let file = try Self.pipeline(dir, docs: docs, run: run)
            let runner = Process()
            runner.executableURL = URL(fileURLWithPath: xtal)
            runner.arguments = ["run", file]
            runner.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            runner.standardError = errors
            try runner.run()
            // Wait for the stage's process, then kill it after a random share of its uninterrupted time.
            var pid: pid_t?
            while runner.isRunning && pid == nil {
                pid = PipelineRunTests.process(named: "xtal-\(stage)", with: run)
                if pid == nil { usleep(1000) }
            }
            var generator = SeededGenerator(seed: UInt64(seed))
            let fraction = Double(generator.next() % 1000) / 1000
            usleep(UInt32(fraction * duration * 1_000_000))
            if let pid { kill(pid, SIGKILL) }
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            runner.waitUntilExit()
            if message.contains("step '\(stage)' was killed by signal 9") { landed += 1 }

            let rerun = try runProcess(xtal, ["run", file])
            #expect(rerun.status == 0, "seed \(seed): \(rerun.stderr)")
            for (name, contents) in zip(Self.outputs, expected) {
                #expect(try ShardTests.contents(run + "/" + name) == contents, "\(stage), seed \(seed): \(name)")
            }
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: run).filter { $0.hasSuffix(".partial") }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
        // Most kills land while the stage runs (a kill drawn past its end finds it finished).
        #expect(landed >= 1, "no kill landed inside \(stage)")
    }

    @Test func aFullDiskGivesOneLineAndKeepsTheEarlierOutput() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 300)
        let graphs = dir.file("graphs.h5")
        let before = try SHA256.hex(fileAt: graphs)
        let executable = productsDirectory(containing: "xtal-graph") + "/xtal-graph"
        // A file-size limit of 64 KiB stands in for a full disk: writes past it fail with EFBIG (SIGXFSZ ignored,
        // as a shell or batch system may leave it).
        let script = "trap '' XFSZ; ulimit -f 64; exec \"$0\" --store \"$1\" --force --line-graph --quiet"
        let result = try runProcess("/bin/bash", ["-c", script, executable, dir.path])
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("graphs.h5.partial") && result.stderr.contains("File too large"))
        #expect(try SHA256.hex(fileAt: graphs) == before)
        #expect(!FileManager.default.fileExists(atPath: graphs + ".partial"))
        #expect(try GraphBatches(path: graphs).ids.count == 300)
    }
}
