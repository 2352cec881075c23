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
        case .negnnPredictive(let c): .negnn(configuration: c.encoder)
        case .negnnContrastive(let c): .negnn(configuration: c.encoder)
        }
    }
}
