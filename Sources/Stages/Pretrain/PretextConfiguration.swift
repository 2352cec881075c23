import Models
import NN

/// The network of a pretraining method, as saved with its encoder (`configuration` attribute).
enum PretextConfiguration: Sendable, Equatable, Codable {
    case dssl(configuration: DSSL.Configuration)
    case negnnPredictive(configuration: NEGNNPredictive.Configuration)
    case negnnContrastive(configuration: NEGNNContrastive.Configuration)

    /// Fresh weights and buffers of the whole network (encoder and pretext heads).
    func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        switch self {
        case .dssl(let c): DSSL(c).initialize(seed: seed)
        case .negnnPredictive(let c): NEGNNPredictive(c).initialize(seed: seed)
        case .negnnContrastive(let c): NEGNNContrastive(c).initialize(seed: seed)
        }
    }

    /// The encoder inside, without the pretext heads.
    var encoder: EncoderNetwork {
        switch self {
        case .dssl(let c): .cgcnn(configuration: c.encoder, maskFlag: true)
        case .negnnPredictive(let c): Self.encoder(c.encoder, or: c.graphNetwork)
        case .negnnContrastive(let c): Self.encoder(c.encoder, or: c.graphNetwork)
        }
    }

    /// The NEGNN encoder, or the coGN network that replaces it (without heads).
    private static func encoder(_ negnn: NEGNNEncoder.Configuration, or graphNetwork: CoGN.Configuration?)
        -> EncoderNetwork
    {
        guard var graphNetwork else { return .negnn(configuration: negnn) }
        graphNetwork.heads = []
        return .graphNetwork(configuration: graphNetwork)
    }
}
