import Foundation
import NN
import Tensor

/// The crystal graph convolutional network of Xie & Grossman (PRL 120, 145301, 2018) with MT-CGCNN's hard
/// parameter sharing (Sanyal et al., arXiv:1811.05660, 2018): one shared encoder, one private head per target.
///
/// For atoms i with neighbours j over edges with distance features u_ij (Gaussians, `GaussianBasis`):
/// [f ‖ c] = BN₁(W [v_i ‖ v_j ‖ u_ij] + b), v_i ← softplus(v_i + BN₂(Σ_j σ(f_ij) ⊙ softplus(c_ij)));
/// then the mean over each crystal's atoms, and per head softplus → Linear → softplus (→ Linear → softplus)*
/// → Linear (→ log-softmax for classification).
///
/// Parameter names follow the published models: `embedding`, `convs.K.fc_full`, `convs.K.bn1`,
/// `convs.K.bn2`, and per head `<prefix>conv_to_fc`, `<prefix>fcs.J`, `<prefix>fc_out` (prefix empty for the
/// published single-head models, `heads.T.` for multitask ones).
public struct CGCNN: Sendable {
    /// Hyper-parameters, named as the published checkpoints' attributes in the comments.
    public struct Configuration: Sendable, Hashable, Codable {
        /// `orig_atom_fea_len`.
        public var atomFeatures = 92
        /// `atom_fea_len`.
        public var width = 64
        /// `n_conv`.
        public var convolutions = 4
        /// `h_fea_len`.
        public var hidden = 32
        /// `n_h`: hidden layers per head (conv_to_fc plus n_h − 1 `fcs`).
        public var headLayers = 1
        public var basis = GaussianBasis()
        public var heads = [Head()]

        public init() {}
    }

    /// One output head: regression (one value) or classification (log-probabilities of `outputs` classes).
    public struct Head: Sendable, Hashable, Codable {
        /// Prepended to the head's parameter names.
        public var prefix = ""
        public var outputs = 1
        public var classification = false

        public init(prefix: String = "", outputs: Int = 1, classification: Bool = false) {
            self.prefix = prefix
            self.outputs = outputs
            self.classification = classification
        }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    private func convolutionLayers() -> [(gate: Linear, bn1: BatchNorm, bn2: BatchNorm)] {
        let c = configuration
        return (0..<c.convolutions).map { k in
            (
                Linear("convs.\(k).fc_full", inputs: 2 * c.width + c.basis.count, outputs: 2 * c.width),
                BatchNorm("convs.\(k).bn1", features: 2 * c.width), BatchNorm("convs.\(k).bn2", features: c.width)
            )
        }
    }

    private func headLayers(_ head: Head) -> [Linear] {
        let c = configuration
        var layers = [Linear("\(head.prefix)conv_to_fc", inputs: c.width, outputs: c.hidden)]
        for j in 0..<max(c.headLayers - 1, 0) {
            layers.append(Linear("\(head.prefix)fcs.\(j)", inputs: c.hidden, outputs: c.hidden))
        }
        layers.append(Linear("\(head.prefix)fc_out", inputs: c.hidden, outputs: head.outputs))
        return layers
    }

    private var embedding: Linear {
        Linear("embedding", inputs: configuration.atomFeatures, outputs: configuration.width)
    }

    /// Fresh parameters and BatchNorm buffers, initialised as PyTorch initialises the reference modules.
    public func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        var generator = SeededGenerator(seed: seed)
        var parameters = Parameters<Float>()
        var buffers = Parameters<Float>()
        embedding.initialize(&parameters, using: &generator)
        for layer in convolutionLayers() {
            layer.gate.initialize(&parameters, using: &generator)
            layer.bn1.initialize(&parameters, buffers: &buffers)
            layer.bn2.initialize(&parameters, buffers: &buffers)
        }
        for head in configuration.heads {
            for layer in headLayers(head) { layer.initialize(&parameters, using: &generator) }
        }
        return (parameters, buffers)
    }

    /// The encoder: per-crystal features [crystals, width] (the mean of the last convolution's atom features).
    ///
    /// `buffers` holds the BatchNorm running statistics; `training` selects batch statistics (and updates
    /// `buffers`) or the running ones.
    public func encode(
        _ batch: GraphBatch, _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> Tensor<Float> {
        encodeAtoms(batch, parameters, buffers: &buffers, training: training).segmentMean(offsets: batch.crystalOffsets)
    }

    /// The encoder's atom features [atoms, width] after the last convolution (what `encode` pools).
    public func encodeAtoms(
        _ batch: GraphBatch, _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> Tensor<Float> {
        let layers = atomLayers(batch, parameters, buffers: &buffers, training: training)
        return layers[layers.count - 1]
    }

    /// The atom features [atoms, width] after the embedding (layer 0) and after each convolution (layer l sees
    /// atoms l bonds away): `convolutions + 1` tensors.
    public func atomLayers(
        _ batch: GraphBatch, _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> [Tensor<Float>] {
        let c = configuration
        let edgeFeatures = c.basis.expand(batch.edgeDistance)
        // The edge products' gemm blocks, shared by every convolution: each multiplies only the Gaussians that are
        // not zero for its edges.
        let blocks = EdgeBlocks(edgeFeatures, segments: batch.edgeOffsets)
        var atoms = embedding(batch.atomFeatures, parameters)
        var layers = [atoms]
        for layer in convolutionLayers() {
            // W [v_i ‖ v_j ‖ u_ij] + b as (v W_iᵀ + b)[i] + (v W_jᵀ)[j] + u_ij W_uᵀ: the atom products run on
            // atoms, not on every edge (a third of the multiply-adds; the same sums up to rounding).
            let weight = parameters["\(layer.gate.name).weight"]
            let centre = atoms.matmul(weight.narrow(axis: 1, range: 0..<c.width), transposeOther: true)
            let neighbour = atoms.matmul(weight.narrow(axis: 1, range: c.width..<(2 * c.width)), transposeOther: true)
            let edgeWeight = weight.narrow(axis: 1, range: (2 * c.width)..<(2 * c.width + c.basis.count))
            let biased = centre + parameters["\(layer.gate.name).bias"]
            let messages: Tensor<Float>
            if training
                || [biased, neighbour, edgeFeatures, edgeWeight, parameters["\(layer.bn1.name).weight"]]
                    .contains(where: \.isTracked)
            {
                let gate = Tensor.gatheredSum(
                    biased, rows: batch.edgeDst, neighbour, rows: batch.edgeSrc, plus: blocks, times: edgeWeight)
                messages = layer.bn1.gatedSoftplus(gate, parameters, buffers: &buffers, training: training)
                    .segmentSum(offsets: batch.edgeOffsets)
            } else {
                // Inference: the edge product, the gate's sum, its batch norm, the gated activation and the sum
                // over each atom's edges in one pass, chunk by chunk of atoms; the same bits.
                messages = Tensor.gatedMessageSums(
                    biased, rows: batch.edgeDst, neighbour, rows: batch.edgeSrc, plus: blocks, times: edgeWeight,
                    affine: layer.bn1.evaluationAffine(parameters, buffers: buffers))
            }
            let summed = layer.bn2(messages, parameters, buffers: &buffers, training: training)
            atoms = (atoms + summed).softplus()
            layers.append(atoms)
        }
        return layers
    }

    /// The heads' outputs on encoded crystals [crystals, width]: one [crystals, outputs] tensor per head
    /// (log-probabilities for classification heads).
    public func heads(_ crystals: Tensor<Float>, _ parameters: Parameters<Float>) -> [Tensor<Float>] {
        let activated = crystals.softplus()
        return configuration.heads.map { head in
            let layers = headLayers(head)
            var x = activated
            for layer in layers.dropLast() { x = layer(x, parameters).softplus() }
            let out = layers[layers.count - 1](x, parameters)
            return head.classification ? out.logSoftmax() : out
        }
    }

    /// The network's outputs per crystal: one [crystals, outputs] tensor per head.
    public func callAsFunction(
        _ batch: GraphBatch, _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> [Tensor<Float>] {
        heads(encode(batch, parameters, buffers: &buffers, training: training), parameters)
    }
}
