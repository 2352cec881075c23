import Foundation
import Graph
import Models
import Pipeline
import Store
import Tensor

/// The predict stage: runs models on every graph of `graphs.h5` and writes `predictions.h5`.
///
/// So far the published CGCNN models (`published:<property>`), which need the graphs CGCNN was trained on
/// (`xtal graph --cgcnn-compat`).
public struct PredictStage {
    public struct Summary: Sendable {
        public var crystals = 0
        /// Crystals no model could read (their predictions are NaN, `graph_note` says why).
        public var rejected = 0
        public var models: [String] = []
        public var seconds = 0.0
        public var output = ""
    }

    let models: [String]
    let publishedDirectory: String
    let context: StageContext

    public init(models: [String], publishedDirectory: String, options: StageOptions) throws {
        self.models = models
        self.publishedDirectory = publishedDirectory
        context = try StageContext(label: "predict", options: options)
    }

    /// Runs the stage.
    ///
    /// - Throws: `StageError` for a missing input, an existing output without `--force`, an unknown model or
    ///   graphs a model cannot use; `StoreError` for unreadable files.
    public func run() throws -> Summary {
        let started = Date()
        let directory = context.directory
        let graphsPath = directory.file("graphs.h5")
        guard FileManager.default.fileExists(atPath: graphsPath) else {
            throw StageError.missingInput(graphsPath, makeWith: "graph --cgcnn-compat")
        }
        let features = try AtomFeatures(path: (publishedDirectory as NSString).appendingPathComponent("atom_init.json"))
        var loaded: [(name: String, model: PublishedCGCNN, hash: String)] = []
        for name in models {
            guard name.hasPrefix("published:") else { throw StageError.unknownModel(name) }
            let file = (publishedDirectory as NSString).appendingPathComponent("\(name.dropFirst(10)).h5")
            guard FileManager.default.fileExists(atPath: file) else { throw StageError.unknownModel(name) }
            loaded.append((name, try PublishedCGCNN(path: file), try SHA256.hex(fileAt: file)))
        }
        let outputPath = try context.outputPath("predictions.h5")
        let reader = try GraphBatches(path: graphsPath, features: features)
        guard reader.parameters.method == .radius, reader.parameters.cgcnnCompat,
            reader.parameters.cutoff == 8, reader.parameters.maxNeighbors == 12, !reader.parameters.asymmetricUnit
        else {
            throw StageError.incompatibleInput(
                graphsPath,
                reason: "published CGCNN models need `xtal graph --cgcnn-compat` (radius 8 Å, 12 neighbours)")
        }
        var predictions = [[Double]](repeating: [], count: loaded.count)
        var notes = [String](repeating: "", count: reader.ids.count)
        var rejected = 0
        try Parallelism.$threads.withValue(context.options.jobs) {
            while let (range, batch, unreadable) = try reader.nextBatch() {
                for (k, entry) in loaded.enumerated() {
                    var values = entry.model.predict(batch)
                    for crystal in unreadable.keys { values[crystal - range.lowerBound] = .nan }
                    predictions[k] += values
                }
                for (crystal, reason) in unreadable.sorted(by: { $0.key < $1.key }) {
                    notes[crystal] = reason
                    rejected += 1
                    if rejected <= 20 { context.report("xtal-predict: \(reader.ids[crystal]): \(reason)") }
                }
                context.progress.advance(by: range.count)
            }
        }
        let output = try AtomicStoreFile(creating: outputPath)
        let root = try output.file.root
        try root.setEncoding("predictions", version: "1")
        try root.write("graph_id", strings: reader.ids, options: context.options.datasetOptions)
        try root.write("graph_note", strings: notes, options: context.options.datasetOptions)
        for (k, entry) in loaded.enumerated() {
            let group = try root.createGroup(entry.name.replacingOccurrences(of: ":", with: "_"))
            try group.setAttribute("model", entry.name)
            try group.setAttribute(
                "task", entry.model.isClassifier ? "classification" : "regression")
            try group.write("mean", predictions[k], options: context.options.datasetOptions)
        }
        var hashes = ["graphs.h5": try SHA256.hex(fileAt: graphsPath)]
        for entry in loaded { hashes[entry.name] = entry.hash }
        try output.commit(
            Provenance(
                stage: "predict", parameterHash: SHA256.hex(models.joined(separator: "\n")), inputHashes: hashes,
                toolVersion: XtalVersion.current, startedAt: started))
        try directory.link("predictions", to: "predictions.h5", toolVersion: XtalVersion.current)
        var summary = Summary()
        summary.crystals = reader.ids.count
        summary.rejected = rejected
        summary.models = models
        summary.seconds = Date().timeIntervalSince(started)
        summary.output = outputPath
        context.progress.finish(
            String(
                format: "predict: %d crystals × %d model%@%@ in %.1f s → %@", summary.crystals, models.count,
                models.count == 1 ? "" : "s", rejected > 0 ? " (\(rejected) without prediction)" : "", summary.seconds,
                outputPath))
        return summary
    }
}
