import ArgumentParser
import Foundation
import Pipeline

/// `xtal status RUN_DIR`: each pipeline step's state, when it ran, what its outputs hold, and what is stale.
public struct StatusCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal status",
        abstract: "Show each step of the run directory's pipeline: up to date or stale (and why), when, counts.",
        discussion: """
            The pipeline is the one named in RUN_DIR/pipeline.lock.json (the last xtal run there), or --pipeline. \
            Without a lock (stages run by hand), every stage output in RUN_DIR is listed.
            """,
        version: "xtal \(XtalVersion.current)"
    )

    @Argument(help: ArgumentHelp("The run directory.", valueName: "RUN_DIR"))
    var runDirectory: String

    @Option(help: ArgumentHelp("The pipeline file (default: the one in the lock file).", valueName: "FILE"))
    var pipeline: String?

    public init() {}

    public func run() throws {
        do {
            print(try report())
        } catch {
            FileHandle.standardError.write(Data("xtal status: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The status text.
    func report() throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDirectory, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw PipelineError.io(path: runDirectory, message: "no such run directory")
        }
        let lockPath = (runDirectory as NSString).appendingPathComponent(PipelineLock.fileName)
        let lock = try PipelineLock.read(lockPath)
        guard let file = pipeline ?? lock?.pipeline else { return handRun() }
        let spec = try PipelineSpec(contentsOf: file, catalogue: StageCatalogue.all)
        let graph = try PipelineGraph(spec)
        let tools = try StageTools(kinds: spec.steps.map(\.schema.kind))
        let plan = try PipelinePlan(
            graph: graph, lock: lock, tools: tools.identities, selection: .init(), hash: SHA256.hex(contentsAt:))
        var rows = [["step", "stage", "state", "finished", "outputs"]]
        for decision in plan.decisions {
            let state =
                decision.runs
                ? "stale: " + decision.reasons.joined(separator: "; ") : decision.reasons.joined(separator: "; ")
            let summaries = decision.files.outputs.map { (path: $0, summary: OutputSummary(path: $0)) }
            let written = summaries.compactMap(\.summary.written).max() ?? "-"
            let outputs = summaries.map { "\(($0.path as NSString).lastPathComponent): \($0.summary.contents)" }
            rows.append([
                decision.step.name, decision.step.schema.kind, state, written, outputs.joined(separator: "; "),
            ])
        }
        let stale = plan.toRun.count
        return "\(runDirectory) (pipeline \(file))\n" + Self.table(rows) + "\n"
            + (stale == 0
                ? "every step is up to date" : "\(stale) step\(stale == 1 ? "" : "s") stale: xtal run \(file)")
    }

    /// Without a lock: every stage output present in the run directory.
    private func handRun() -> String {
        let files = ["crystals.h5", "graphs.h5", "predictions.h5", "ranking.h5", "report.html"]
        let models = ((try? FileManager.default.contentsOfDirectory(atPath: runDirectory + "/models")) ?? [])
            .filter { $0.hasSuffix(".h5") }.sorted().map { "models/" + $0 }
        var rows = [["output", "finished", "holds"]]
        for name in files + models {
            let summary = OutputSummary(path: (runDirectory as NSString).appendingPathComponent(name))
            if let written = summary.written { rows.append([name, written, summary.contents]) }
        }
        return "\(runDirectory): no pipeline has run here (no \(PipelineLock.fileName)); stage outputs:\n"
            + Self.table(rows)
    }

    /// `rows` as left-aligned columns; the last column is not padded.
    static func table(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
