import Foundation
import Graph
import Models
import NN
import Store
import Tensor

/// A CGCNN encoder taken from a model file of the run directory, for `xtal-embed`: a pretrained encoder
/// (`xtal-pretrain`) or the encoder of a trained model (`xtal-train`; its first ensemble member).
struct EmbeddingEncoder {
    let name: String
    let network: CGCNN
    let weights: Parameters<Float>
    let buffers: Parameters<Float>
    let features: AtomFeatures
    let graphParameters: GraphParameters
    /// Whether the network reads a mask-flag column after the features (DSSL encoders), set to 0 here.
    let readsMaskFlag: Bool

    /// Loads `models/<name>.h5` of `directory`.
    ///
    /// - Throws: `StageError` when the file is missing or neither kind of model; `StoreError` when unreadable.
    init(_ name: String, directory: RunDirectory) throws {
        self.name = name
        let path = directory.file("models/\(name).h5")
        guard FileManager.default.fileExists(atPath: path) else {
            throw StageError.missingInput(path, makeWith: "pretrain --name \(name)` or `xtal train --name \(name)")
        }
        let graphsJSON: String
        // The file's encoding says which kind it is, so a damaged encoder reports its own error.
        let kind = try StoreFile.open(path).root.stringAttribute("encoding_type")
        if kind == PretrainedEncoder.encoding {
            let encoder = try PretrainedEncoder(path: path)
            network = CGCNN(encoder.configuration.encoder)
            (weights, buffers, features) = (encoder.weights, encoder.buffers, encoder.features)
            graphsJSON = encoder.graphParameters
            readsMaskFlag = true
        } else {
            let model = try TrainedModel(path: path)
            network = CGCNN(model.configuration)
            (weights, buffers, features) = (model.members[0].parameters, model.members[0].buffers, model.features)
            graphsJSON = model.graphParameters
            readsMaskFlag = false
        }
        guard let graphs = try? JSONDecoder().decode(GraphParameters.self, from: Data(graphsJSON.utf8)) else {
            throw StageError.incompatibleInput(path, reason: "it does not record the graphs it was trained on")
        }
        graphParameters = graphs
    }

    /// Per-atom features [atoms, width] of each of `layers` (0: the embedding; l: after convolution l).
    func atomLayers(_ batch: CGCNN.Batch, layers: [Int]) -> [Tensor<Float>] {
        var batch = batch
        if readsMaskFlag { batch.atomFeatures = ElementMasking.apply(batch.atomFeatures, masked: []) }
        var statistics = buffers
        let all = network.atomLayers(batch, weights, buffers: &statistics, training: false)
        return layers.map { all[$0] }
    }
}
