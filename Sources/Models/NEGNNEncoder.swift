import NN
import Tensor

/// The encoder of Kong et al.'s self-supervised atomic representations (NEGNN, 2024): CGConv layers of
/// PyTorch Geometric with BatchNorm and ReLU.
///
/// Atom features (92 CGCNN columns) and Gaussian edge features (41) are embedded to `width`; each layer is
/// x_i ← BN(x_i + Σ_j σ(z_ij W_fᵀ + b_f) ⊙ softplus(z_ij W_sᵀ + b_s)), z_ij = [x_i ‖ x_j ‖ e_ij] (sum aggregation
/// with a residual), then ReLU on every layer but the last. Layer l of `atomLayers` sees atoms l bonds away:
/// the "range" of the representation.
///
/// Parameter names: `embedding`, `edge_embedding`, `convs.K.fc` (the gate W_f in the first `width` rows,
/// the core W_s in the rest), `norms.K`.
public struct NEGNNEncoder: Sendable {
    /// Hyper-parameters; the paper's are the defaults.
    public struct Configuration: Sendable, Hashable, Codable {
        public var atomFeatures = 92
        public var width = 64
        public var convolutions = 5
        public var basis = GaussianBasis()

        public init(atomFeatures: Int = 92) { self.atomFeatures = atomFeatures }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    private var embedding: Linear {
        Linear("embedding", inputs: configuration.atomFeatures, outputs: configuration.width)
    }

    private var edgeEmbedding: Linear {
        Linear("edge_embedding", inputs: configuration.basis.count, outputs: configuration.width)
    }

    private func layer(_ k: Int) -> (fc: Linear, norm: BatchNorm) {
        let w = configuration.width
        return (Linear("convs.\(k).fc", inputs: 3 * w, outputs: 2 * w), BatchNorm("norms.\(k)", features: w))
    }

    /// Adds the encoder's parameters (as PyTorch initialises `nn.Linear`) and BatchNorm buffers.
    public func initialize(
        _ parameters: inout Parameters<Float>, buffers: inout Parameters<Float>, using generator: inout SeededGenerator
    ) {
        embedding.initialize(&parameters, using: &generator)
        edgeEmbedding.initialize(&parameters, using: &generator)
        for k in 0..<configuration.convolutions {
            let (fc, norm) = layer(k)
            fc.initialize(&parameters, using: &generator)
            norm.initialize(&parameters, buffers: &buffers)
        }
    }

    /// Fresh encoder parameters and buffers alone.
    public func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        var generator = SeededGenerator(seed: seed)
        var parameters = Parameters<Float>()
        var buffers = Parameters<Float>()
        initialize(&parameters, buffers: &buffers, using: &generator)
        return (parameters, buffers)
    }

    /// The Gaussian features [edges, basis.count] of `batch`'s edge distances.
    public func edgeFeatures(_ batch: GraphBatch) -> Tensor<Float> { configuration.basis.expand(batch.edgeDistance) }

    /// Atom features [atoms, width] after the embedding (layer 0) and after each convolution: `convolutions + 1`
    /// tensors.
    ///
    /// - Parameters:
    ///   - batch: the graphs; its `atomFeatures` [atoms, atomFeatures] are read as given (masked or not).
    ///   - edgeFeatures: [edges, basis.count] (`edgeFeatures(_:)`, possibly masked).
    ///   - parameters: the encoder's weights.
    ///   - buffers: BatchNorm running statistics, updated when `training`.
    ///   - training: batch statistics (true) or running ones.
    /// - Returns: `convolutions + 1` tensors [atoms, width].
    public func atomLayers(
        _ batch: GraphBatch, edgeFeatures: Tensor<Float>, _ parameters: Parameters<Float>,
        buffers: inout Parameters<Float>, training: Bool
    ) -> [Tensor<Float>] {
        let w = configuration.width
        precondition(
            edgeFeatures.shape == [batch.edgeSrc.count, configuration.basis.count],
            "NEGNNEncoder.atomLayers: edge features \(edgeFeatures.shape) for \(batch.edgeSrc.count) edges")
        let edges = edgeEmbedding(edgeFeatures, parameters)
        let blocks = EdgeBlocks(edges, segments: batch.edgeOffsets)
        var atoms = embedding(batch.atomFeatures, parameters)
        var layers = [atoms]
        for k in 0..<configuration.convolutions {
            let (fc, norm) = layer(k)
            // [x_i ‖ x_j ‖ e_ij] W: the atom products are computed per atom and gathered onto the edges.
            let weight = parameters["\(fc.name).weight"]
            let centre = atoms.matmul(weight.narrow(axis: 1, range: 0..<w), transposeOther: true)
            let neighbour = atoms.matmul(weight.narrow(axis: 1, range: w..<(2 * w)), transposeOther: true)
            let edgeWeight = weight.narrow(axis: 1, range: (2 * w)..<(3 * w))
            let biased = centre + parameters["\(fc.name).bias"]
            let messages: Tensor<Float>
            if training || [biased, neighbour, edges, edgeWeight].contains(where: \.isTracked) {
                messages = Tensor.gatheredSum(
                    biased, rows: batch.edgeDst, neighbour, rows: batch.edgeSrc, plus: blocks, times: edgeWeight
                ).sigmoidGatedSoftplus().segmentSum(offsets: batch.edgeOffsets)
            } else {
                // Inference: the edge product, the sum, the gated activation and the sum over each atom's edges in
                // one pass; the same bits.
                messages = Tensor.gatedMessageSums(
                    biased, rows: batch.edgeDst, neighbour, rows: batch.edgeSrc, plus: blocks, times: edgeWeight,
                    affine: nil)
            }
            atoms = norm(atoms + messages, parameters, buffers: &buffers, training: training)
            if k < configuration.convolutions - 1 { atoms = atoms.relu() }
            layers.append(atoms)
        }
        return layers
    }
}
