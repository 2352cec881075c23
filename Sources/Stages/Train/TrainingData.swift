import Foundation
import Graph
import Models
import Store

/// The store's graphs and labels, held in memory for training: crystal i of `crystals.h5` is graph i of
/// `graphs.h5`, and `labels[i * T + t]` its (classified) label for target t, NaN when missing.
struct TrainingData {
    let ids: [String]
    let graphs: GraphSet
    let graphParameters: GraphParameters
    let graphParametersJSON: String
    var targets: [TargetSpec]
    /// [crystals × targets], row-major; classification labels as 0/1.
    let labels: [Double]
    let sourceFiles: [String]
    let sourceRecords: [Int]
    /// Crystals whose elements all have atom features: what random splits divide, whatever the targets, so
    /// that one seed gives the same split for any set of targets (single-task and multitask runs compare on
    /// the same test crystals).
    let usable: [Int]
    /// Usable crystals with at least one of the targets' labels.
    let eligible: [Int]
    /// One line per crystal left out because of its elements, and per infinite label (treated as missing).
    let excluded: [String]

    /// Reads `crystals.h5` and `graphs.h5` of `directory` for `parameters`' targets.
    ///
    /// - Throws: `TrainError` for unknown targets or non-binary class labels; `StageError` for missing or
    ///   mismatched inputs; `StoreError` for unreadable files.
    init(directory: RunDirectory, parameters: TrainParameters, features: AtomFeatures) throws {
        let inputs = try StoreGraphs(directory: directory)
        let crystals = inputs.crystals
        ids = inputs.ids
        graphs = inputs.graphs
        graphParameters = inputs.graphParameters
        graphParametersJSON = inputs.graphParametersJSON
        sourceFiles = try crystals.readStrings("graph_source_file")
        sourceRecords = try crystals.read("graph_source_record", as: Int64.self).values.map { Int($0) }

        let labelGroup = crystals.contains("labels") ? try crystals.group("labels") : nil
        let available = try labelGroup?.childNames().sorted() ?? []
        let count = ids.count
        var labels = [Double](repeating: .nan, count: count * parameters.targets.count)
        var targets: [TargetSpec] = []
        var infinite: [String] = []
        for (t, name) in parameters.targets.enumerated() {
            guard let labelGroup, available.contains(name) else {
                throw TrainError.unknownTarget(name, available: available)
            }
            let dataset = try labelGroup.dataset(name)
            let values = try dataset.read(as: Double.self).values
            let units = (try? dataset.stringAttribute("units")) ?? ""
            let threshold = parameters.classify[name] ?? nil
            let classification = parameters.isClassification(name)
            for (i, value) in values.enumerated() where !value.isNaN {
                // Ingest stores infinite labels as missing; a crystals.h5 written elsewhere might not.
                guard value.isFinite else {
                    infinite.append("\(ids[i]): label \(name) is \(value); treated as missing")
                    continue
                }
                var y = value
                if classification {
                    if let threshold {
                        y = value >= threshold ? 1 : 0
                    } else if value != 0 && value != 1 {
                        throw TrainError.notBinary(target: name, value: value, crystal: ids[i])
                    }
                }
                labels[i * parameters.targets.count + t] = y
            }
            targets.append(
                TargetSpec(
                    name: name, classification: classification, threshold: threshold,
                    weight: parameters.taskWeights[name] ?? 1, mean: 0, std: 1, units: units))
        }
        self.labels = labels
        self.targets = targets

        var usable: [Int] = []
        var eligible: [Int] = []
        var excluded = infinite
        let width = parameters.targets.count
        for i in 0..<count {
            let labelled = (0..<width).contains { !labels[i * width + $0].isNaN }
            if let z = graphs.uncoveredElement(of: i, features: features) {
                if labelled { excluded.append("\(ids[i]): no atom features for Z = \(z); left out of training") }
                continue
            }
            usable.append(i)
            if labelled { eligible.append(i) }
        }
        self.usable = usable
        self.eligible = eligible
        self.excluded = excluded
    }

    /// Label of crystal `i` for target `t` (NaN when missing).
    func label(_ i: Int, _ t: Int) -> Double { labels[i * targets.count + t] }

    /// Sets each regression target's mean and standard deviation from the labels of `crystals` (the training
    /// set); a target with fewer than two labels, or constant labels, keeps std 1.
    mutating func standardize(on crystals: [Int]) {
        for t in targets.indices where !targets[t].classification {
            let values = crystals.map { label($0, t) }.filter { !$0.isNaN }
            guard !values.isEmpty else { continue }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count - 1, 1))
            targets[t].mean = mean
            targets[t].std = variance > 0 ? variance.squareRoot() : 1
        }
    }
}
