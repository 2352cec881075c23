import Foundation
import Graph
import Models
import NN
import Pipeline
import Store
import Tensor

/// An encoder with fixed weights, taken from a model file: what `xtal-embed` runs, and what NEGNN and head
/// models (`xtal-train --model negnn|head --init NAME`) keep inside their own file and read their inputs through.
///
/// Atom embeddings of several layers concatenate (the "range" of Kong and others, 2024: layer l sees atoms l bonds
/// away); crystal embeddings are their mean and sum over each crystal's atoms.
struct FrozenEncoder {
    let network: EncoderNetwork
    /// The encoder's weights alone (pretext and property heads left behind) and its BatchNorm statistics.
    let weights: Parameters<Float>
    let buffers: Parameters<Float>
    let features: AtomFeatures
    /// The `parameters` attribute of the `graphs.h5` it was trained on.
    let graphParametersJSON: String

    init(
        network: EncoderNetwork, weights: Parameters<Float>, buffers: Parameters<Float>, features: AtomFeatures,
        graphParametersJSON: String
    ) {
        let expected = network.initialize().parameters
        var kept = Parameters<Float>()
        for name in expected.names {
            precondition(
                weights.contains(name) && weights[name].shape == expected[name].shape,
                "FrozenEncoder: \(name) missing or of another shape")
            kept[name] = weights[name]
        }
        self.network = network
        self.weights = kept
        self.buffers = buffers
        self.features = features
        self.graphParametersJSON = graphParametersJSON
    }

    /// The encoder of `models/<name>.h5` of `directory`: a pretrained encoder (`xtal-pretrain`), the encoder of
    /// an MT-CGCNN, coGN or coNGN model (its first ensemble member), or the frozen encoder a NEGNN or head model reads through.
    ///
    /// - Throws: `StageError` when the file is missing; `StoreError` when unreadable or not a model.
    init(named name: String, directory: RunDirectory) throws {
        let path = directory.file("models/\(name).h5")
        guard FileManager.default.fileExists(atPath: path) else {
            throw StageError.missingInput(path, makeWith: "pretrain --name \(name)` or `xtal train --name \(name)")
        }
        // The file's encoding says which kind it is, so a damaged encoder reports its own error.
        let kind = try StoreFile.open(path).root.stringAttribute("encoding_type")
        if kind == PretrainedEncoder.encoding {
            let encoder = try PretrainedEncoder(path: path)
            self.init(
                network: encoder.configuration.encoder, weights: encoder.weights, buffers: encoder.buffers,
                features: encoder.features, graphParametersJSON: encoder.graphParameters)
        } else {
            let model = try TrainedModel(path: path)
            switch model.network {
            case .cgcnn(let configuration):
                self.init(
                    network: .cgcnn(configuration: configuration, maskFlag: false),
                    weights: model.members[0].parameters,
                    buffers: model.members[0].buffers, features: model.features,
                    graphParametersJSON: model.graphParameters)
            case .negnn(_, let encoder, _), .head(_, let encoder, _):
                self = encoder
            case .graphNetwork(let configuration):
                self.init(
                    network: .graphNetwork(configuration: configuration), weights: model.members[0].parameters,
                    buffers: Parameters(), features: model.features, graphParametersJSON: model.graphParameters)
            }
        }
    }

    /// The graphs it was trained on.
    ///
    /// - Throws: `StageError.incompatibleInput` naming `file` when the record is missing or unreadable.
    func graphParameters(file: String) throws -> GraphParameters {
        guard let graphs = try? JSONDecoder().decode(GraphParameters.self, from: Data(graphParametersJSON.utf8)) else {
            throw StageError.incompatibleInput(file, reason: "it does not record the graphs it was trained on")
        }
        return graphs
    }

    /// Checks that graphs built with `graphs` suit it: the edges it was trained on, and a line graph if it reads one.
    ///
    /// - Throws: `StageError.incompatibleInput` naming `file` (the encoder's) and what differs.
    func check(graphs: GraphParameters, file: String) throws {
        guard try graphParameters(file: file).buildsSameEdges(as: graphs) else {
            throw StageError.incompatibleInput(
                file, reason: "trained on other graphs than graphs.h5 (\(graphParametersJSON)); rebuild them as it was")
        }
        guard !network.readsLineGraph || graphs.lineGraph else {
            throw StageError.incompatibleInput(file, reason: StageError.lineGraphNeeded(by: "its coNGN encoder"))
        }
    }

    /// Checks that every one of `layers` exists (0 … convolutions).
    ///
    /// - Throws: `StageError.incompatibleInput` naming `file` (the encoder's) and the first missing layer.
    func check(layers: [Int], file: String) throws {
        let convolutions = network.convolutions
        if let bad = layers.first(where: { $0 < 0 || $0 > convolutions }) {
            throw StageError.incompatibleInput(
                file, reason: "layer \(bad) does not exist: it has layers 0 (embedding) to \(convolutions)")
        }
    }

    /// Atom embeddings [atoms, width · layers.count]: the chosen layers' features side by side.
    func atomEmbedding(_ batch: GraphBatch, layers: [Int]) -> Tensor<Float> {
        precondition(
            layers.allSatisfy { (0...network.convolutions).contains($0) },
            "FrozenEncoder.atomEmbedding: layers \(layers) of 0…\(network.convolutions)")
        let all = network.atomLayers(batch, weights, buffers: buffers)
        return layers.count == 1 ? all[layers[0]] : Tensor.concat(layers.map { all[$0] }, axis: 1)
    }

    /// Crystal embeddings [crystals, 2 · width · layers.count]: the mean, then the sum, of the atom embeddings
    /// over every atom of the cell (weighted by multiplicity in an asymmetric-unit graph).
    func crystalEmbedding(_ batch: GraphBatch, layers: [Int]) -> Tensor<Float> {
        let atoms = atomEmbedding(batch, layers: layers)
        return Tensor.concat([batch.crystalMean(atoms), batch.crystalSum(atoms)], axis: 1)
    }

    /// Writes the encoder into `group` (a model file's `encoder` group).
    func write(to group: StoreGroup, options: DatasetOptions) throws {
        try group.setAttribute("network", try CanonicalJSON.encode(network))
        try group.setAttribute("graph_parameters", graphParametersJSON)
        try features.write(to: group, options: options)
        try Checkpoint.save(weights, buffers: buffers, to: group, options: options)
    }

    /// Reads an encoder written by `write(to:options:)`.
    ///
    /// - Throws: `StoreError` when unreadable; `CheckpointError` for weights that do not fit.
    init(group: StoreGroup) throws {
        let networkJSON = try group.stringAttribute("network")
        guard let network = try? CanonicalJSON.decode(EncoderNetwork.self, from: networkJSON) else {
            throw StoreError.corrupt(file: group.file.path, object: "encoder/network", reason: "not an encoder")
        }
        var none: Optimizer<Float>? = nil
        let (weights, buffers) = try Checkpoint.load(network.initialize().parameters, from: group, optimizer: &none)
        self.init(
            network: network, weights: weights, buffers: buffers, features: try AtomFeatures(group: group),
            graphParametersJSON: try group.stringAttribute("graph_parameters"))
    }
}
