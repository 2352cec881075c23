import Crystal
import Foundation
import Graph
import Pipeline
import Store

/// The graph stage: reads `crystals.h5`, builds every crystal's graph (`buildGraph(for:parameters:)`) on
/// `--jobs` threads, and writes `graphs.h5` in crystal order, so the output does not depend on `--jobs`.
public struct GraphStage {
    /// What one run did.
    public struct Summary: Sendable {
        public var graphs = 0
        public var nodes = 0
        public var edges = 0
        public var triplets = 0
        public var fallbacks = 0
        public var seconds = 0.0
        public var output = ""
    }

    let parameters: GraphParameters
    let context: StageContext

    public init(parameters: GraphParameters, options: StageOptions, shard: Shard? = nil) throws {
        self.parameters = parameters
        context = try StageContext(label: "graph", options: options, shard: shard)
    }

    /// Runs the stage.
    ///
    /// - Throws: `StageError` when there are no crystals or the output exists without `--force`;
    ///   `StoreError` when `crystals.h5` cannot be read or `graphs.h5` written.
    public func run() throws -> Summary {
        let started = Date()
        let (options, directory, progress) = (context.options, context.directory, context.progress)
        let inputPath = directory.file("crystals.h5")
        guard FileManager.default.fileExists(atPath: inputPath) else {
            throw StageError.missingInput(inputPath, makeWith: "ingest")
        }
        let outputPath = try context.outputPath("graphs.h5")
        let inputHash = try SHA256.hex(fileAt: inputPath)
        let reader = try CrystalsReader(path: inputPath, threads: options.jobs, rows: context.range(of:))
        let parametersJSON = try CanonicalJSON.encode(parameters)
        let writer = try GraphsWriter(
            path: outputPath, parameters: parameters, parametersJSON: parametersJSON, options: options.datasetOptions)
        let parameters = parameters
        var fallbacks = 0
        try OrderedBatchQueue(jobs: options.jobs).run(
            next: { try reader.next() },
            transform: { crystal in (crystal.id, buildGraph(for: crystal, parameters: parameters)) },
            consume: { id, graph in
                if !graph.note.isEmpty {
                    fallbacks += 1
                    if fallbacks <= 20 { context.report("xtal-graph: \(id): \(graph.note)") }
                }
                try writer.append(graph, id: id)
                progress.advance()
            })
        let provenance = Provenance(
            stage: "graph", parameterHash: SHA256.hex(parametersJSON), inputHashes: ["crystals.h5": inputHash],
            toolVersion: XtalVersion.current, startedAt: started)
        try context.stampShard(writer.root, items: reader.rows, of: reader.count)
        try writer.commit(provenance: provenance)
        try context.publish("graphs", fileName: "graphs.h5")
        var summary = Summary()
        summary.graphs = writer.count
        (summary.nodes, summary.edges, summary.triplets) = writer.totals
        summary.fallbacks = fallbacks
        summary.seconds = Date().timeIntervalSince(started)
        summary.output = outputPath
        var line = String(
            format: "graph: %d graphs, %d nodes, %d edges", summary.graphs, summary.nodes, summary.edges)
        if parameters.lineGraph { line += ", \(summary.triplets) triplets" }
        if fallbacks > 0 { line += " (\(fallbacks) without symmetry: full cell)" }
        line += String(
            format: " in %.1f s (%.0f/s) → %@", summary.seconds,
            Double(summary.graphs) / max(summary.seconds, 1e-9), outputPath)
        progress.finish(line)
        return summary
    }
}
