import Foundation
import Graph
import Models
import Pipeline

/// A model `xtal-predict` can run: a published CGCNN checkpoint (`published:<property>`) or a model trained by
/// `xtal-train` (`models/<name>.h5` of the run directory), behind one interface.
struct Predictor {
    /// One predicted quantity.
    struct Target {
        var name: String
        var classification: Bool
        var units: String
    }

    /// What `--model` said.
    let name: String
    let file: String
    let targets: [Target]
    let features: AtomFeatures
    private let source: Source

    private enum Source {
        case published(PublishedCGCNN)
        case trained(TrainedModel)
    }

    /// Loads `name`: `published:<property>` from `publishedDirectory`, anything else from `models/`.
    ///
    /// - Throws: `StageError.unknownModel` when there is no such model; `StoreError`/`CheckpointError` when its
    ///   file cannot be read.
    init(_ name: String, publishedDirectory: String, directory: RunDirectory) throws {
        self.name = name
        if name.hasPrefix("published:") {
            let property = String(name.dropFirst("published:".count))
            file = (publishedDirectory as NSString).appendingPathComponent("\(property).h5")
            guard !property.isEmpty, !property.contains("/"), FileManager.default.fileExists(atPath: file) else {
                throw StageError.unknownModel(name)
            }
            let model = try PublishedCGCNN(path: file)
            source = .published(model)
            features = try AtomFeatures(path: (publishedDirectory as NSString).appendingPathComponent("atom_init.json"))
            targets = [
                Target(
                    name: property.replacingOccurrences(of: "-", with: "_"), classification: model.isClassifier,
                    units: "")
            ]
        } else {
            file = directory.file("models/\(name).h5")
            guard !name.isEmpty, !name.contains("/"), FileManager.default.fileExists(atPath: file) else {
                throw StageError.unknownModel(name)
            }
            let model = try TrainedModel(path: file)
            source = .trained(model)
            features = model.features
            targets = model.targets.map { Target(name: $0.name, classification: $0.classification, units: $0.units) }
        }
    }

    /// Why graphs built with `parameters` do not suit this model, or nil when they do.
    func incompatibility(with parameters: GraphParameters) -> String? {
        switch source {
        case .published:
            let compatible =
                parameters.method == .radius && parameters.cgcnnCompat && parameters.cutoff == 8
                && parameters.maxNeighbors == 12 && !parameters.asymmetricUnit
            return compatible
                ? nil : "published CGCNN models need `xtal graph --cgcnn-compat` (radius 8 Å, 12 neighbours)"
        case .trained(let model):
            guard let trained = try? JSONDecoder().decode(GraphParameters.self, from: Data(model.graphParameters.utf8))
            else { return "\(name) does not record the graphs it was trained on" }
            guard trained.buildsSameEdges(as: parameters) else {
                return "\(name) was trained on other graphs: \(model.graphParameters); rebuild them that way"
            }
            return model.network.readsLineGraph && !parameters.lineGraph
                ? StageError.lineGraphNeeded(by: name) : nil
        }
    }

    /// Predictions for every crystal of `batch`, per target: [targets] of ([crystals], [crystals]).
    ///
    /// The ensemble mean and standard deviation (0 for a single model), in label units (P(class 1) for
    /// classifiers).
    func predict(_ batch: GraphBatch) -> [(mean: [Double], std: [Double])] {
        switch source {
        case .published(let model):
            let values = model.predict(batch)
            return [(values, [Double](repeating: 0, count: values.count))]
        case .trained(let model):
            let outputs = model.predict(model.network.input(batch))
            let k = Double(outputs.count)
            return targets.indices.map { t in
                let crystals = outputs[0][t].count
                var mean = [Double](repeating: 0, count: crystals)
                var std = [Double](repeating: 0, count: crystals)
                for member in outputs { for c in 0..<crystals { mean[c] += member[t][c] / k } }
                for member in outputs {
                    for c in 0..<crystals { std[c] += (member[t][c] - mean[c]) * (member[t][c] - mean[c]) / k }
                }
                return (mean, std.map { $0.squareRoot() })
            }
        }
    }
}
