import Foundation
import Models
import NN
import Pipeline
import Store
import Tensor

/// A pretrained encoder, `models/<name>.h5` written by `xtal-pretrain` (docs/store-format.md §8b): the pretext
/// network's weights (encoder and pretext heads), the features it reads, the graphs it was trained on, and its
/// history.
struct PretrainedEncoder {
    static let encoding = "pretrained_encoder"

    let configuration: PretextConfiguration
    /// The atom-feature table without the mask flag column.
    let features: AtomFeatures
    /// The `parameters` attribute of the `graphs.h5` it was pretrained on.
    let graphParameters: String
    let parameters: PretrainParameters
    let history: PretrainHistory
    let weights: Parameters<Float>
    let buffers: Parameters<Float>

    init(
        configuration: PretextConfiguration, features: AtomFeatures, graphParameters: String,
        parameters: PretrainParameters, history: PretrainHistory, weights: Parameters<Float>,
        buffers: Parameters<Float>
    ) {
        self.configuration = configuration
        self.features = features
        self.graphParameters = graphParameters
        self.parameters = parameters
        self.history = history
        self.weights = weights
        self.buffers = buffers
    }

    /// Writes the encoder to `path` atomically.
    func write(to path: String, provenance: Provenance, options: DatasetOptions) throws {
        let output = try AtomicStoreFile(creating: path)
        let root = try output.file.root
        try root.setEncoding(Self.encoding, version: "2")
        try root.setAttribute("method", parameters.method.rawValue)
        try root.setAttribute("configuration", try CanonicalJSON.encode(configuration))
        try root.setAttribute("graph_parameters", graphParameters)
        try root.setAttribute("training", try CanonicalJSON.encode(parameters))
        try root.setAttribute("history", try CanonicalJSON.encode(history))
        try features.write(to: root, options: options)
        try Checkpoint.save(weights, buffers: buffers, to: try root.createGroup("checkpoint"), options: options)
        try output.commit(provenance)
    }

    /// Reads the encoder at `path`.
    ///
    /// - Throws: `StoreError` when unreadable or not an encoder; `CheckpointError` for weights that do not fit.
    init(path: String) throws {
        let root = try StoreFile.open(path).root
        _ = try root.requireEncoding(Self.encoding, supported: ["2"])
        func decode<T: Decodable>(_ type: T.Type, _ attribute: String) throws -> T {
            do {
                return try CanonicalJSON.decode(T.self, from: try root.stringAttribute(attribute))
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError.corrupt(file: path, object: attribute, reason: "not valid JSON for it: \(error)")
            }
        }
        configuration = try decode(PretextConfiguration.self, "configuration")
        parameters = try decode(PretrainParameters.self, "training")
        history = try decode(PretrainHistory.self, "history")
        graphParameters = try root.stringAttribute("graph_parameters")
        features = try AtomFeatures(group: root)
        var none: Optimizer<Float>? = nil
        (weights, buffers) = try Checkpoint.load(
            configuration.initialize(seed: 0).parameters, from: try root.group("checkpoint"), optimizer: &none)
    }
}
