import Foundation
import Graph
import Models
import Pipeline
import Store
import Tensor

/// The predict stage: runs models on every graph of `graphs.h5` and writes `predictions.h5`.
///
/// Models are the published CGCNN ones (`published:<property>`, on `xtal graph --cgcnn-compat` graphs) and
/// those `xtal-train` saved in `models/` (on graphs built as they were trained on).
public struct PredictStage {
    public struct Summary: Sendable {
        public var crystals = 0
        /// Crystals some model could not read (its predictions are NaN there, `graph_note` says why).
        public var rejected = 0
        public var models: [String] = []
        public var seconds = 0.0
        public var output = ""
    }

    let models: [String]
    let publishedDirectory: String
    var context: StageContext
    /// Where one-line notes (crystals without a prediction) go: standard error unless a caller (a test) replaces it.
    var report: (String) -> Void {
        get { context.report }
        set { context.report = newValue }
    }

    public init(models: [String], publishedDirectory: String, options: StageOptions, shard: Shard? = nil) throws {
        self.models = models
        self.publishedDirectory = publishedDirectory
        context = try StageContext(label: "predict", options: options, shard: shard)
    }

    /// Runs the stage.
    ///
    /// - Throws: `StageError` for a missing input, an existing output without `--force`, an unknown model or
    ///   graphs a model cannot use; `StoreError` for unreadable files.
    public func run() throws -> Summary {
        let started = Date()
        Allocator.retainFreedBlocks()
        let directory = context.directory
        let graphsPath = directory.file("graphs.h5")
        guard FileManager.default.fileExists(atPath: graphsPath) else {
            throw StageError.missingInput(graphsPath, makeWith: "graph")
        }
        let predictors = try models.map {
            try Predictor($0, publishedDirectory: publishedDirectory, directory: directory)
        }
        let outputPath = try context.outputPath("predictions.h5")
        let reader = try GraphBatches(path: graphsPath) { context.range(of: $0, block: GraphBatches.blockSize) }
        for predictor in predictors {
            if let reason = predictor.incompatibility(with: reader.parameters) {
                throw StageError.incompatibleInput(graphsPath, reason: reason)
            }
        }
        // [model][target] → (mean, std) over all crystals.
        var columns = predictors.map { [(mean: [Double], std: [Double])](repeating: ([], []), count: $0.targets.count) }
        let ids = Array(reader.ids[reader.rows])
        var notes = [String](repeating: "", count: ids.count)
        try Parallelism.$threads.withValue(context.options.jobs) {
            while let block = try reader.nextBlock() {
                // The block's first crystal among this run's (a shard's) crystals.
                let first = block.range.lowerBound - reader.rows.lowerBound
                for (m, predictor) in predictors.enumerated() {
                    var unreadable: [Int] = []
                    for k in 0..<block.count {
                        guard let z = block.uncoveredElement(of: k, features: predictor.features) else { continue }
                        unreadable.append(k)
                        if notes[first + k].isEmpty {
                            notes[first + k] = "no atom features for Z = \(z) in \(predictor.name); prediction left NaN"
                        }
                    }
                    let batch = block.batch(Array(0..<block.count), features: predictor.features)
                    for (t, var values) in predictor.predict(batch).enumerated() {
                        for k in unreadable {
                            values.mean[k] = .nan
                            values.std[k] = .nan
                        }
                        // A model that overflows (weights diverged, an input far outside its training) gives no
                        // number: NaN, said in graph_note, never an infinity or NaN passed on as a prediction.
                        for k in 0..<block.count where !values.mean[k].isFinite || !values.std[k].isFinite {
                            if !unreadable.contains(k) && notes[first + k].isEmpty {
                                notes[first + k] =
                                    "\(predictor.name) gave a non-finite \(predictor.targets[t].name) "
                                    + "(\(values.mean[k])); prediction left NaN"
                            }
                            values.mean[k] = .nan
                            values.std[k] = .nan
                        }
                        columns[m][t].mean += values.mean
                        columns[m][t].std += values.std
                    }
                }
                context.progress.advance(by: block.count)
            }
        }
        let rejected = notes.filter { !$0.isEmpty }.count
        for (crystal, note) in notes.enumerated().filter({ !$0.element.isEmpty }).prefix(20) {
            context.report("xtal-predict: \(ids[crystal]): \(note)")
        }
        if rejected > 20 { context.report("xtal-predict: … \(rejected - 20) more crystals without prediction") }

        let output = try AtomicStoreFile(creating: outputPath)
        let root = try output.file.root
        let options = context.options.datasetOptions
        try root.setEncoding("predictions", version: "2")
        try root.write("graph_id", strings: ids, options: options)
        try root.write("graph_note", strings: notes, options: options)
        var hashes = ["graphs.h5": try SHA256.hex(fileAt: graphsPath)]
        for (m, predictor) in predictors.enumerated() {
            let group = try root.createGroup(predictor.name.replacingOccurrences(of: ":", with: "_"))
            try group.setAttribute("model", predictor.name)
            for (t, target) in predictor.targets.enumerated() {
                let targetGroup = try group.createGroup(target.name)
                try targetGroup.setAttribute("task", target.classification ? "classification" : "regression")
                try targetGroup.setAttribute("units", target.classification ? "probability" : target.units)
                try targetGroup.write("mean", columns[m][t].mean, options: options)
                try targetGroup.write("std", columns[m][t].std, options: options)
            }
            hashes[predictor.name] = try SHA256.hex(fileAt: predictor.file)
        }
        try context.stampShard(root, items: reader.rows, of: reader.ids.count)
        try output.commit(
            Provenance(
                stage: "predict", parameterHash: SHA256.hex(models.joined(separator: "\n")), inputHashes: hashes,
                toolVersion: XtalVersion.current, startedAt: started))
        try context.publish("predictions", fileName: "predictions.h5")
        var summary = Summary()
        summary.crystals = ids.count
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
