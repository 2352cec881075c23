import Foundation
import Graph
import Models
import NN
import Tensor

/// The weights a pretrained encoder gives the encoder of a model about to be trained (`xtal-train --init`): a
/// DSSL encoder starts an MT-CGCNN, a coGN or coNGN encoder pretrained with a NEGNN pretext starts the same
/// network.
///
/// The DSSL encoder reads one more feature column than the model, the mask flag, which is 0 on every atom
/// outside masking: dropping that column of the embedding gives the same network on unmasked inputs. (coGN's
/// mask is embedding row 0, which unmasked atoms never read.) The pretext heads are left behind; the model's
/// heads start from their random initialisation.
struct EncoderInitialization {
    /// The encoder's weights and BatchNorm statistics, by the model's parameter names.
    let weights: [String: Tensor<Float>]
    let buffers: [String: Tensor<Float>]

    /// Checks that the encoder at `path` fits the model and the graphs, and takes its weights.
    ///
    /// - Throws: `StageError.incompatibleInput` naming the encoder file when its graphs, atom features or
    ///   encoder shape differ from the training run's.
    init(path: String, network: ModelNetwork, features: AtomFeatures, graphParameters: String) throws {
        let encoder = try PretrainedEncoder(path: path)
        try Self.checkGraphs(encoder, path: path, graphParameters: graphParameters)
        switch (network, encoder.configuration.encoder) {
        case (.cgcnn(let architecture), .cgcnn(let pretrained, maskFlag: true)):
            try self.init(encoder, pretrained, path: path, architecture: architecture, features: features)
        case (.graphNetwork(var model), .graphNetwork(let pretrained)):
            // Compared without heads: the pretext's are not the model's.
            (model.heads, model.headHidden) = ([], [])
            guard pretrained.elementProperties == model.elementProperties, encoder.features.rows == features.rows
            else {
                throw StageError.incompatibleInput(
                    path,
                    reason: "pretrained on another element-property table (\(pretrained.elementProperties) columns) "
                        + "than this xtal's (\(model.elementProperties)); pretrain it again")
            }
            guard model == pretrained else {
                throw StageError.incompatibleInput(
                    path,
                    reason: "its \(pretrained.name) has width \(pretrained.width) and \(pretrained.blocks) blocks; "
                        + "train --model \(pretrained.name) --width \(pretrained.width) --convolutions \(pretrained.blocks)"
                )
            }
            // The encoder's own weights, not the pretext's heads.
            let names = CoGN(model).initialize(seed: 0).names
            self.init(
                weights: Dictionary(uniqueKeysWithValues: names.map { ($0, encoder.weights[$0]) }), buffers: [:])
        default:
            throw StageError.incompatibleInput(
                path,
                reason:
                    "a \(encoder.configuration.encoder.name) encoder does not start --model \(network.architecture); "
                    + "train on it with --model negnn or head")
        }
    }

    private init(weights: [String: Tensor<Float>], buffers: [String: Tensor<Float>]) {
        self.weights = weights
        self.buffers = buffers
    }

    /// Checks that the encoder was pretrained on graphs built as `graphParameters`.
    private static func checkGraphs(_ encoder: PretrainedEncoder, path: String, graphParameters: String) throws {
        let decoder = JSONDecoder()
        let pretrainedGraphs = try? decoder.decode(GraphParameters.self, from: Data(encoder.graphParameters.utf8))
        let graphs = try? decoder.decode(GraphParameters.self, from: Data(graphParameters.utf8))
        guard let pretrainedGraphs, let graphs, pretrainedGraphs.buildsSameEdges(as: graphs) else {
            throw StageError.incompatibleInput(
                path,
                reason: "pretrained on graphs built as \(encoder.graphParameters), "
                    + "not as graphs.h5 (\(graphParameters))")
        }
    }

    /// A DSSL encoder's weights for an MT-CGCNN.
    private init(
        _ encoder: PretrainedEncoder, _ pretrained: CGCNN.Configuration, path: String,
        architecture: CGCNN.Configuration, features: AtomFeatures
    ) throws {
        guard pretrained.width == architecture.width, pretrained.convolutions == architecture.convolutions,
            pretrained.basis == architecture.basis
        else {
            throw StageError.incompatibleInput(
                path,
                reason: "its encoder has width \(pretrained.width) and \(pretrained.convolutions) convolutions; "
                    + "train with --width \(pretrained.width) --convolutions \(pretrained.convolutions)")
        }
        guard pretrained.atomFeatures == architecture.atomFeatures + 1, encoder.features.rows == features.rows else {
            throw StageError.incompatibleInput(path, reason: "pretrained on other atom features than --atom-features")
        }
        var weights: [String: Tensor<Float>] = [:]
        for name in encoder.weights.names where name.hasPrefix("embedding.") || name.hasPrefix("convs.") {
            let tensor = encoder.weights[name]
            weights[name] =
                name == "embedding.weight" ? tensor.narrow(axis: 1, range: 0..<architecture.atomFeatures) : tensor
        }
        self.weights = weights
        buffers = Dictionary(uniqueKeysWithValues: encoder.buffers.names.map { ($0, encoder.buffers[$0]) })
    }

    /// `parameters` and `buffers` with the encoder's values in place of the model's own.
    func apply(to parameters: inout Parameters<Float>, buffers statistics: inout Parameters<Float>) {
        for (name, tensor) in weights {
            precondition(
                parameters.contains(name) && parameters[name].shape == tensor.shape,
                "EncoderInitialization: \(name) \(tensor.shape) does not fit the model")
            parameters[name] = tensor
        }
        for (name, tensor) in buffers where statistics.contains(name) { statistics[name] = tensor }
    }
}
