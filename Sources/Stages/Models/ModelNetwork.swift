import Models
import NN
import Tensor

/// The network of a model trained by `xtal-train`, by architecture (`--model`).
enum ModelNetwork {
    /// MT-CGCNN on the atoms' CGCNN features (`mt-cgcnn`).
    case cgcnn(CGCNN.Configuration)
    /// NEGNN (Kong and others, 2024): a CGCNN whose atom inputs are the frozen encoder's atom embeddings of `layers`
    /// (`atomFeatures` = encoder width × layers) instead of CGCNN features (`negnn`).
    case negnn(CGCNN.Configuration, encoder: FrozenEncoder, layers: [Int])
    /// A head on the frozen encoder's crystal embeddings of `layers` (`head`).
    case head(EmbeddingHead.Configuration, encoder: FrozenEncoder, layers: [Int])
    /// coGN or coNGN (Ruff and others, 2023) on the element properties (`cogn`, `congn`).
    case graphNetwork(CoGN.Configuration)

    /// The `--model` name.
    var architecture: String {
        switch self {
        case .cgcnn: "mt-cgcnn"
        case .negnn: "negnn"
        case .head: "head"
        case .graphNetwork(let c): c.name
        }
    }

    /// The frozen encoder the inputs go through, if any.
    var frozenEncoder: FrozenEncoder? {
        switch self {
        case .cgcnn, .graphNetwork: nil
        case .negnn(_, let encoder, _), .head(_, let encoder, _): encoder
        }
    }

    /// Whether it reads the line graph (coNGN, or a frozen coNGN encoder): graphs without one do not suit it.
    var readsLineGraph: Bool {
        if case .graphNetwork(let c) = self { return c.nested != nil }
        return frozenEncoder?.network.readsLineGraph ?? false
    }

    /// The frozen encoder's layers read, empty without one.
    var encoderLayers: [Int] {
        switch self {
        case .cgcnn, .graphNetwork: []
        case .negnn(_, _, let layers), .head(_, _, let layers): layers
        }
    }

    /// Fresh trainable weights and buffers.
    func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        switch self {
        case .cgcnn(let c), .negnn(let c, _, _): CGCNN(c).initialize(seed: seed)
        case .head(let c, _, _): EmbeddingHead(c).initialize(seed: seed)
        case .graphNetwork(let c): (CoGN(c).initialize(seed: seed), Parameters())
        }
    }

    /// What the trainable part reads: graphs (for NEGNN, with the frozen atom embeddings as atom features), or
    /// for a head the crystal embeddings [crystals, inputs].
    enum Input {
        case graphs(GraphBatch)
        case embeddings(Tensor<Float>)
    }

    /// `batch` (atom features from the model's table) as the trainable part reads it; the frozen encoder, if
    /// any, runs here, once for however many members then read it.
    func input(_ batch: GraphBatch) -> Input {
        switch self {
        case .cgcnn, .graphNetwork:
            return .graphs(batch)
        case .negnn(_, let encoder, let layers):
            var input = batch
            input.atomFeatures = encoder.atomEmbedding(batch, layers: layers)
            return .graphs(input)
        case .head(_, let encoder, let layers):
            return .embeddings(encoder.crystalEmbedding(batch, layers: layers))
        }
    }

    /// One [crystals, outputs] tensor per target for `input` (`input(_:)`).
    func outputs(
        _ input: Input, _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> [Tensor<Float>] {
        switch (self, input) {
        case (.cgcnn(let c), .graphs(let batch)), (.negnn(let c, _, _), .graphs(let batch)):
            return CGCNN(c)(batch, parameters, buffers: &buffers, training: training)
        case (.graphNetwork(let c), .graphs(let batch)):
            return CoGN(c)(batch, parameters)
        case (.head(let c, _, _), .embeddings(let embeddings)):
            return EmbeddingHead(c)(embeddings, parameters, buffers: buffers)
        default:
            preconditionFailure("ModelNetwork.outputs: a \(architecture) network given the other kind of input")
        }
    }
}
