import Foundation
import Pipeline
import Testing
import _TestSupport

@testable import Stages

/// `xtal run` end to end with the real executables on 48 small crystals: what runs on a first and second run,
/// after a parameter change, a deleted output and a killed step.
@Suite struct PipelineRunTests {
    static let xtal = productsDirectory(containing: "xtal") + "/xtal"

    /// A pipeline file over `dir/docs.json` into `dir/run`; `graph` and `train` settings can be changed.
    static func pipeline(_ dir: TemporaryDirectory, cutoff: Int = 6, epochs: Int = 2) throws -> String {
        let text = """
            version: 1
            run: \(dir.file("run"))
            stages:
              ingest:
                inputs: \(dir.file("docs.json"))
                label: [a=a, metal=metal]
                quiet: true
              graph: {cutoff: \(cutoff), quiet: true}
              \(TrainStageTests.trainStep(epochs: epochs))
              predict: {model: mt-cgcnn, quiet: true}
              rank:
                where: [label/metal == 0, nsites <= 2]
                maximize: a
                top: 5
                export: [\(dir.file("run/short.csv")), \(dir.file("run/short"))/]
                quiet: true
              report: {quiet: true}
            """
        let path = dir.file("pipeline.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `xtal run` with `arguments`; returns the status, the names of the steps that ran, and both streams.
    static func run(_ arguments: [String]) throws -> (status: Int32, ran: [String], out: String, err: String) {
        let result = try runProcess(xtal, ["run"] + arguments)
        // Progress lines look like "[2/3] graph: parameters changed".
        let ran = result.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]"), let colon = line.firstIndex(of: ":") else {
                return nil
            }
            return String(line[line.index(close, offsetBy: 2)..<colon])
        }
        return (result.status, ran, result.stdout, result.stderr)
    }

    static func modified(_ path: String) throws -> Date {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
    }

    @Test func rerunsOnlyWhatChanged() throws {
        let dir = try TemporaryDirectory()
        _ = try TrainStageTests.writeDocuments(dir)
        let file = try Self.pipeline(dir)
        let outputs = [
            "crystals.h5", "graphs.h5", "models/mt-cgcnn.h5", "predictions.h5", "ranking.h5", "short.csv", "short",
            "report.html",
        ].map { dir.file("run/" + $0) }

        let first = try Self.run([file])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.ran == ["ingest", "graph", "train", "predict", "rank", "report"])
        #expect(first.out.contains("$ xtal-graph --store \(dir.file("run")) --cutoff 6 --quiet"))
        let lockPath = dir.file("run/pipeline.lock.json")
        let lock = try #require(try PipelineLock.read(lockPath))
        #expect(Set(lock.steps.keys) == ["ingest", "graph", "train", "predict", "rank", "report"])
        let shortlist = try String(contentsOfFile: outputs[5], encoding: .utf8).split(whereSeparator: \.isNewline)
        #expect(shortlist.count == 6 && shortlist[0].hasPrefix("rank,front,id,formula"), "\(shortlist)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outputs[6]).count == 5)
        #expect(try String(contentsOfFile: outputs[7], encoding: .utf8).contains("<svg"))
        #expect(
            lock.steps["predict"]?.inputs[dir.file("run/models/mt-cgcnn.h5")] == (try SHA256.hex(fileAt: outputs[2])))
        let lockText = try String(contentsOfFile: lockPath, encoding: .utf8)
        let times = try outputs.map(Self.modified)

        // A second run does nothing and touches nothing.
        let second = try Self.run([file])
        #expect(second.status == 0 && second.ran.isEmpty, "\(second.out)")
        #expect(second.out.contains("nothing to do"))
        #expect(try outputs.map(Self.modified) == times)
        #expect(try String(contentsOfFile: lockPath, encoding: .utf8) == lockText)

        // --dry-run says what would run and why, and runs nothing.
        _ = try Self.pipeline(dir, cutoff: 5)
        let dry = try Self.run([file, "--dry-run"])
        #expect(dry.status == 0 && dry.ran.isEmpty)
        #expect(dry.out.contains("run     graph: parameters changed"), "\(dry.out)")
        #expect(dry.out.contains("skip    ingest: up to date"), "\(dry.out)")
        #expect(try outputs.map(Self.modified) == times)

        // A changed graph parameter reruns graph and what reads it, not ingest.
        let changed = try Self.run([file])
        #expect(changed.status == 0, "\(changed.err)")
        #expect(changed.ran == ["graph", "train", "predict", "rank", "report"])
        #expect(try Self.modified(outputs[0]) == times[0])

        // A deleted output reruns its step only.
        try FileManager.default.removeItem(atPath: outputs[3])
        let deleted = try Self.run([file])
        #expect(deleted.ran == ["predict", "rank", "report"], "\(deleted.out)")

        // An edited export reruns the rank step (and the report, which reads its ranking).
        try "edited".write(toFile: outputs[5], atomically: true, encoding: .utf8)
        #expect(try Self.run([file]).ran == ["rank", "report"])

        // --only and --from select steps; xtal status reports each.
        #expect(try Self.run([file, "--only", "graph", "--force"]).ran == ["graph"])
        #expect(try Self.run([file, "--from", "train"]).ran == ["train", "predict", "rank", "report"])
        let status = try runProcess(Self.xtal, ["status", dir.file("run")])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("48 crystals, 0 rejects"), "\(status.stdout)")
        #expect(status.stdout.contains("every step is up to date"), "\(status.stdout)")
        _ = try Self.pipeline(dir, cutoff: 6)
        let stale = try runProcess(Self.xtal, ["status", dir.file("run")])
        #expect(stale.stdout.contains("stale: parameters changed"), "\(stale.stdout)")
        #expect(stale.stdout.contains("5 steps stale"), "\(stale.stdout)")

        // Mistakes in the file are one line with its line number, exit status 1.
        try "version: 1\nrun: r\nstages:\n  graph:\n    cutof: 3\n".write(
            toFile: dir.file("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try Self.run([dir.file("bad.yaml")])
        #expect(bad.status == 1)
        #expect(bad.err.contains("bad.yaml:5: unknown key 'cutof' for stage graph"), "\(bad.err)")
    }

    @Test func killedStepLeavesEarlierOutputsAndTheNextRunCompletes() throws {
        let dir = try TemporaryDirectory()
        _ = try TrainStageTests.writeDocuments(dir)
        let file = try Self.pipeline(dir)
        #expect(try Self.run([file]).status == 0)
        let model = dir.file("run/models/mt-cgcnn.h5")
        let modelHash = try SHA256.hex(fileAt: model)
        let lockText = try String(contentsOfFile: dir.file("run/pipeline.lock.json"), encoding: .utf8)

        // A long training, killed with SIGKILL once its first epoch is checkpointed.
        _ = try Self.pipeline(dir, epochs: 2000)
        let runner = Process()
        runner.executableURL = URL(fileURLWithPath: Self.xtal)
        runner.arguments = ["run", file]
        let err = Pipe()
        runner.standardError = err
        runner.standardOutput = FileHandle.nullDevice
        try runner.run()
        let checkpoint = dir.file("run/models/mt-cgcnn.training/member-0.h5")
        var trainer: pid_t?
        while runner.isRunning && trainer == nil {
            if FileManager.default.fileExists(atPath: checkpoint) {
                trainer = Self.process(named: "xtal-train", with: dir.path)
            }
            usleep(2000)
        }
        let pid = try #require(trainer, "the training ended before it could be killed")
        kill(pid, SIGKILL)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        runner.waitUntilExit()
        #expect(runner.terminationStatus == 1)
        #expect(message.contains("step 'train' was killed by signal 9"), "\(message)")
        #expect(try SHA256.hex(fileAt: model) == modelHash)
        #expect(try String(contentsOfFile: dir.file("run/pipeline.lock.json"), encoding: .utf8) == lockText)

        _ = try Self.pipeline(dir, epochs: 3)
        let next = try Self.run([file])
        #expect(next.status == 0, "\(next.err)")
        #expect(next.ran == ["train", "predict", "rank", "report"])
        #expect(try Self.run([file]).ran.isEmpty)
    }

    /// The pid of a running process whose executable is `name` and whose command line mentions `text`.
    static func process(named name: String, with text: String) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else {
                continue
            }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if let first = words.first, first.hasSuffix("/" + name), words.contains(where: { $0.contains(text) }) {
                return pid
            }
        }
        return nil
    }
}
