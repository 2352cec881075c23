import Models
import NN
import Tensor

/// The encoder part of a pretrained or trained network: what `xtal-embed`, and NEGNN and head models, run
/// frozen to turn graphs into atom embeddings.
enum EncoderNetwork: Sendable, Equatable, Codable {
    /// A CGCNN encoder (its heads ignored); `maskFlag`: it reads DSSL's mask-flag column after the features.
    case cgcnn(configuration: CGCNN.Configuration, maskFlag: Bool)
    /// Kong et al.'s NEGNN encoder.
    case negnn(configuration: NEGNNEncoder.Configuration)
    /// A coGN or coNGN network (its heads ignored).
    case graphNetwork(configuration: CoGN.Configuration)

    /// The encoder's name: `cgcnn`, `negnn`, `cogn` or `congn`.
    var name: String {
        switch self {
        case .cgcnn: "cgcnn"
        case .negnn: "negnn"
        case .graphNetwork(let c): c.name
        }
    }

    /// Whether it reads the line graph (coNGN): graphs without one do not suit it.
    var readsLineGraph: Bool {
        if case .graphNetwork(let c) = self { return c.nested != nil }
        return false
    }

    /// Width of each layer's atom features.
    var width: Int {
        switch self {
        case .cgcnn(let c, _): c.width
        case .negnn(let c): c.width
        case .graphNetwork(let c): c.width
        }
    }

    /// Convolutions: layers 0 (the embedding) … `convolutions` exist.
    var convolutions: Int {
        switch self {
        case .cgcnn(let c, _): c.convolutions
        case .negnn(let c): c.convolutions
        case .graphNetwork(let c): c.blocks
        }
    }

    /// Fresh encoder weights alone (the names a frozen encoder keeps).
    func initialize() -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        switch self {
        case .cgcnn(var c, _):
            c.heads = []
            return CGCNN(c).initialize(seed: 0)
        case .negnn(let c): return NEGNNEncoder(c).initialize(seed: 0)
        case .graphNetwork(var c):
            c.heads = []
            return (CoGN(c).initialize(seed: 0), Parameters())
        }
    }

    /// Atom features [atoms, width] of every layer, 0 … `convolutions`, in evaluation mode.
    ///
    /// `batch.atomFeatures` are the plain atom features (without a mask flag; one of 0 is added here).
    func atomLayers(_ batch: GraphBatch, _ weights: Parameters<Float>, buffers: Parameters<Float>) -> [Tensor<Float>] {
        var statistics = buffers
        switch self {
        case .cgcnn(let c, let maskFlag):
            var input = batch
            if maskFlag { input.atomFeatures = ElementMasking.apply(batch.atomFeatures, masked: []) }
            return CGCNN(c).atomLayers(input, weights, buffers: &statistics, training: false)
        case .negnn(let c):
            let encoder = NEGNNEncoder(c)
            return encoder.atomLayers(
                batch, edgeFeatures: encoder.edgeFeatures(batch), weights, buffers: &statistics, training: false)
        case .graphNetwork(let c):
            return CoGN(c).atomLayers(batch, weights)
        }
    }
}
