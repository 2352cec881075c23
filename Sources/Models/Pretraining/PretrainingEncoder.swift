import NN
import Tensor

/// The encoder a NEGNN pretext trains (Kong and others, 2024): their CGConv encoder, or coGN/coNGN (Ruff and
/// others, 2023) in its place.
public enum PretrainingEncoder: Sendable {
    case negnn(NEGNNEncoder)
    case graphNetwork(CoGN)

    /// Width of the atom features.
    public var width: Int {
        switch self {
        case .negnn(let encoder): encoder.configuration.width
        case .graphNetwork(let network): network.configuration.width
        }
    }

    /// The Gaussian basis of the edges' distance features (also the bins of NEGNN's bond-length pretext).
    public var distanceBasis: GaussianBasis {
        switch self {
        case .negnn(let encoder): encoder.configuration.basis
        case .graphNetwork(let network): network.configuration.distanceBasis
        }
    }

    /// Adds the encoder's parameters and buffers (coGN's heads, if any, are not the encoder's: left out).
    public func initialize(
        _ parameters: inout Parameters<Float>, buffers: inout Parameters<Float>, using generator: inout SeededGenerator
    ) {
        switch self {
        case .negnn(let encoder): encoder.initialize(&parameters, buffers: &buffers, using: &generator)
        case .graphNetwork(let network):
            var c = network.configuration
            c.heads = []
            CoGN(c).initialize(&parameters, using: &generator)
        }
    }

    /// The distance features [edges, distanceBasis.count] of `batch`'s edges.
    public func edgeFeatures(_ batch: GraphBatch) -> Tensor<Float> { distanceBasis.expand(batch.edgeDistance) }

    /// Atom features [atoms, width] of every layer (0: the input embedding), from `edgeFeatures`.
    public func atomLayers(
        _ batch: GraphBatch, edgeFeatures: Tensor<Float>, _ parameters: Parameters<Float>,
        buffers: inout Parameters<Float>, training: Bool
    ) -> [Tensor<Float>] {
        switch self {
        case .negnn(let encoder):
            encoder.atomLayers(batch, edgeFeatures: edgeFeatures, parameters, buffers: &buffers, training: training)
        case .graphNetwork(let network): network.atomLayers(batch, distanceFeatures: edgeFeatures, parameters)
        }
    }
}
