import Foundation
import NN
import Tensor

/// The connectivity-optimised graph networks of Ruff and others ("Connectivity optimized nested line graph
/// networks for crystal structures", Digital Discovery 2024): coGN, and with a nested graph network on the
/// line graph inside every edge update, coNGN.
///
/// Input block: h⁰_i = W_a [E(Z_i) ‖ p(Z_i)] + b, with E a learned element embedding [120, width] (row 0 for
/// an atom masked in pretraining) and p the element properties (`AtomFeatures.elementProperties()`, read from
/// the batch's atom features); edges e_ij = W_e g(d_ij) + b with g the Gaussian distance basis (32 centres,
/// 0.25 … 8 Å, σ = 0.5 Å), which reach the blocks only through each block's first edge layer.
///
/// Each of `blocks` graph-network blocks, with every MLP layer followed by swish:
/// m_ij = MLP_e([e_ij ‖ h_i ‖ h_j]) for the edge from neighbour j into centre i (edges keep e_ij: they are not
/// updated between blocks); coNGN then runs one nested block on the line graph, whose nodes are the edges and
/// whose edges the triplets (ij, ik) with their bond-angle basis a (16 centres, 0.2 … 3.2 rad):
/// u = MLP([a ‖ m_ij ‖ m_ik]) summed into ij, m_ij ← GRU(MLP(Σ u), m_ij); and h_i ← h_i + MLP_v(Σ_j m_ij).
///
/// Readout: the multiplicity-weighted mean Σ_i w_i h_i / Σ_i w_i over each crystal's nodes (w = 1 in a
/// full-cell graph, the Wyckoff multiplicity in an asymmetric-unit one, which gives the same result), then
/// per target a head (coGN: one linear layer; coNGN: swish layer of `width`, then linear).
///
/// Parameter names: `atom_embedding.weight`, `atom_input`, `edge_input`, `blocks.K.edge.J`, `blocks.K.node.J`,
/// `blocks.K.nested.edge.J`, `blocks.K.nested.node.J`, `blocks.K.nested.gru`, and `<prefix>head.J`.
public struct CoGN: Sendable {
    /// Hyper-parameters; `cogn()` and `congn()` give the paper's.
    public struct Configuration: Sendable, Hashable, Codable {
        /// Element-property columns of the batch's atom features (0: the element embedding alone; models saved before
        /// the PubChem table have 17).
        public var elementProperties = 18
        public var width = 128
        public var blocks = 5
        /// Layers of the edge MLP in each block.
        public var edgeLayers = 5
        /// Layers of the node MLP in each block.
        public var nodeLayers = 1
        public var distanceBasis = GaussianBasis(minimum: 0.25, maximum: 8, step: 0.25, width: 0.5.squareRoot())
        /// The nested line-graph block of coNGN; nil for coGN.
        public var nested: Nested? = nil
        /// Hidden widths of each head before its linear output layer.
        public var headHidden: [Int] = []
        public var heads = [CGCNN.Head()]

        public init() {}

        /// coGN: width 128, 5 blocks with 5-layer edge MLPs and 1-layer node MLPs, linear heads.
        public static func cogn() -> Configuration { Configuration() }

        /// coNGN: width 160, 5 blocks with 4-layer edge and node MLPs and a nested line-graph block, heads with a
        /// hidden layer of 160.
        public static func congn() -> Configuration {
            var c = Configuration()
            c.width = 160
            c.edgeLayers = 4
            c.nodeLayers = 4
            c.nested = Nested()
            c.headHidden = [160]
            return c
        }

        /// The name `xtal-train --model` knows it by.
        public var name: String { nested == nil ? "cogn" : "congn" }
    }

    /// The nested graph network of a coNGN block, on the line graph.
    public struct Nested: Sendable, Hashable, Codable {
        public var edgeLayers = 2
        public var nodeLayers = 2
        /// Gaussians exp(−(θ − μ)² / 2σ²) over the bond angle θ: 16 centres 0.2 … 3.2 rad, σ² = 0.2.
        public var angleBasis = GaussianBasis(minimum: 0.2, maximum: 3.2, step: 0.2, width: 0.4.squareRoot())

        public init() {}
    }

    /// Rows of the element embedding: 0 (a masked atom) and atomic numbers 1 … 119.
    public static let elementCount = 120

    public let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    private var atomInput: Linear {
        Linear(
            "atom_input", inputs: configuration.width + configuration.elementProperties, outputs: configuration.width)
    }

    private var edgeInput: Linear {
        Linear("edge_input", inputs: configuration.distanceBasis.count, outputs: configuration.width)
    }

    /// Layer j of an MLP whose first layer reads `inputs` and the rest `width`.
    private func layers(_ name: String, count: Int, inputs: Int) -> [Linear] {
        let w = configuration.width
        return (0..<count).map { Linear("\(name).\($0)", inputs: $0 == 0 ? inputs : w, outputs: w) }
    }

    private func edgeLayers(_ k: Int) -> [Linear] {
        layers("blocks.\(k).edge", count: configuration.edgeLayers, inputs: 3 * configuration.width)
    }

    private func nodeLayers(_ k: Int) -> [Linear] {
        layers("blocks.\(k).node", count: configuration.nodeLayers, inputs: configuration.width)
    }

    private func nestedLayers(_ k: Int, _ nested: Nested) -> (edge: [Linear], node: [Linear], gru: GRUCell) {
        let w = configuration.width
        return (
            layers("blocks.\(k).nested.edge", count: nested.edgeLayers, inputs: nested.angleBasis.count + 2 * w),
            layers("blocks.\(k).nested.node", count: nested.nodeLayers, inputs: w),
            GRUCell("blocks.\(k).nested.gru", inputs: w, hidden: w)
        )
    }

    private func headLayers(_ head: CGCNN.Head) -> [Linear] {
        let widths = [configuration.width] + configuration.headHidden + [head.outputs]
        return (0..<(widths.count - 1)).map {
            Linear("\(head.prefix)head.\($0)", inputs: widths[$0], outputs: widths[$0 + 1])
        }
    }

    /// Every dense layer of the network.
    private var denseLayers: [Linear] {
        var all = [atomInput, edgeInput]
        for k in 0..<configuration.blocks {
            all += edgeLayers(k)
            if let nested = configuration.nested {
                let n = nestedLayers(k, nested)
                all += n.edge + n.node
            }
            all += nodeLayers(k)
        }
        for head in configuration.heads { all += headLayers(head) }
        return all
    }

    /// Fresh parameters, as Keras initialises the reference's layers: Glorot-uniform weights and zero biases,
    /// embeddings uniform in ±0.05, GRU cells as Keras's (`GRUCell.initializeAsKeras`).
    public func initialize(seed: UInt64) -> Parameters<Float> {
        var generator = SeededGenerator(seed: seed)
        var parameters = Parameters<Float>()
        initialize(&parameters, using: &generator)
        return parameters
    }

    /// Adds the parameters to `parameters`, drawn from `generator` (as `initialize(seed:)`).
    public func initialize(_ parameters: inout Parameters<Float>, using generator: inout SeededGenerator) {
        parameters["atom_embedding.weight"] = .uniform(
            [Self.elementCount, configuration.width], bound: 0.05, using: &generator)
        for layer in denseLayers {
            let bound = Float((6 / Double(layer.inputs + layer.outputs)).squareRoot())
            parameters["\(layer.name).weight"] = .uniform(
                [layer.outputs, layer.inputs], bound: bound, using: &generator)
            parameters["\(layer.name).bias"] = Tensor(repeating: 0, shape: [layer.outputs])
        }
        if let nested = configuration.nested {
            for k in 0..<configuration.blocks {
                nestedLayers(k, nested).gru.initializeAsKeras(&parameters, using: &generator)
            }
        }
    }

    /// Swish after every layer.
    private func swishMLP(_ x: Tensor<Float>, _ layers: ArraySlice<Linear>, _ parameters: Parameters<Float>)
        -> Tensor<Float>
    {
        layers.reduce(x) { h, layer in layer(h, parameters).silu() }
    }

    /// W_x e_ij for every edge, W_x the columns of a block's first edge layer that read the edge embedding
    /// e = W_e g + b_e [edges, width] of the distance basis g [edges, distanceBasis.count]: computed as
    /// (W_x W_e) g + W_x b_e, a product with the 32 basis columns instead of the `width` embedding columns — the same
    /// function up to rounding, with a quarter of the multiply-adds and no gradient product back into e.
    private func edgeEmbeddingProduct(_ layer: Linear, _ g: Tensor<Float>, _ parameters: Parameters<Float>)
        -> Tensor<Float>
    {
        let w = configuration.width
        let weight = parameters["\(layer.name).weight"].narrow(axis: 1, range: 0..<w)
        let embedding = edgeInput.name
        let bias = weight.matmul(parameters["\(embedding).bias"].reshaped([w, 1])).reshaped([w])
        return g.linear(weight: weight.matmul(parameters["\(embedding).weight"]), bias: bias)
    }

    /// swish(W [x ‖ y_a ‖ y_b] + b) for rows (a, b) of `y`, given `own` = W_x x, with the products of `y`
    /// computed per row of `y` and gathered, not per pair: the same sums up to rounding, with a third of the
    /// multiply-adds.
    ///
    /// `own` [pairs, width], `y` [rows, width]; `layer` reads x's columns, then 2·width columns for y_a and y_b.
    private func pairLayer(
        _ layer: Linear, own: Tensor<Float>, _ y: Tensor<Float>, a: [Int32], b: [Int32],
        _ parameters: Parameters<Float>
    ) -> Tensor<Float> {
        let w = configuration.width
        let xWidth = layer.inputs - 2 * w
        let weight = parameters["\(layer.name).weight"]
        let first = y.matmul(weight.narrow(axis: 1, range: xWidth..<(xWidth + w)), transposeOther: true)
        let second = y.matmul(weight.narrow(axis: 1, range: (xWidth + w)..<(xWidth + 2 * w)), transposeOther: true)
        return Tensor.gatheredSum(first + parameters["\(layer.name).bias"], rows: a, second, rows: b, plus: own).silu()
    }

    /// The Gaussian distance features [edges, distanceBasis.count] of `batch`'s edges.
    public func distanceFeatures(_ batch: GraphBatch) -> Tensor<Float> {
        configuration.distanceBasis.expand(batch.edgeDistance)
    }

    /// Node features [atoms, width] after the input block (layer 0) and after each block: `blocks + 1` tensors.
    public func atomLayers(_ batch: GraphBatch, _ parameters: Parameters<Float>) -> [Tensor<Float>] {
        atomLayers(batch, distanceFeatures: distanceFeatures(batch), parameters)
    }

    /// `atomLayers(_:_:)` with the edges' distance features given (masked in pretraining, for instance).
    ///
    /// - Precondition: the batch has atomic numbers 0…119 (0: masked) and `elementProperties` feature columns,
    ///   and, for coNGN, a line graph; `distanceFeatures` is [edges, distanceBasis.count].
    public func atomLayers(
        _ batch: GraphBatch, distanceFeatures: Tensor<Float>, _ parameters: Parameters<Float>
    ) -> [Tensor<Float>] {
        let c = configuration
        let atoms = batch.atomCount
        precondition(
            batch.atomicNumbers.count == atoms && batch.atomFeatures.shape == [atoms, c.elementProperties]
                && (c.nested == nil || batch.hasLineGraph)
                && distanceFeatures.shape == [batch.edgeSrc.count, c.distanceBasis.count],
            "CoGN.atomLayers: \(batch.atomicNumbers.count) atomic numbers, features \(batch.atomFeatures.shape), "
                + "distance features \(distanceFeatures.shape), line graph \(batch.hasLineGraph), for \(atoms) atoms, "
                + "\(batch.edgeSrc.count) edges and \(c.elementProperties) properties")
        let elements = parameters["atom_embedding.weight"].gather(rows: batch.atomicNumbers.map { Int32($0) })
        let input = c.elementProperties > 0 ? Tensor.concat([elements, batch.atomFeatures], axis: 1) : elements
        var h = atomInput(input, parameters)
        let angles = c.nested.map { $0.angleBasis.expand(batch.tripletAngle) }
        var layers = [h]
        for k in 0..<c.blocks {
            let edge = edgeLayers(k)
            let own = edgeEmbeddingProduct(edge[0], distanceFeatures, parameters)
            var m = pairLayer(edge[0], own: own, h, a: batch.edgeDst, b: batch.edgeSrc, parameters)
            m = swishMLP(m, edge.dropFirst(), parameters)
            if let nested = c.nested, let angles {
                let n = nestedLayers(k, nested)
                let weight = parameters["\(n.edge[0].name).weight"].narrow(axis: 1, range: 0..<angles.shape[1])
                let own = angles.matmul(weight, transposeOther: true)
                var u = pairLayer(n.edge[0], own: own, m, a: batch.tripletEdgeA, b: batch.tripletEdgeB, parameters)
                u = swishMLP(u, n.edge.dropFirst(), parameters)
                let update = swishMLP(u.segmentSum(offsets: batch.tripletOffsets), n.node[...], parameters)
                m = n.gru(update, m, parameters)
            }
            h = h + swishMLP(m.segmentSum(offsets: batch.edgeOffsets), nodeLayers(k)[...], parameters)
            layers.append(h)
        }
        return layers
    }

    /// Crystal features [crystals, width]: the multiplicity-weighted mean of the last block's node features.
    public func encode(_ batch: GraphBatch, _ parameters: Parameters<Float>) -> Tensor<Float> {
        let layers = atomLayers(batch, parameters)
        return batch.crystalMean(layers[layers.count - 1])
    }

    /// The heads' outputs on encoded crystals [crystals, width]: one [crystals, outputs] tensor per head
    /// (log-probabilities for classification heads).
    public func heads(_ crystals: Tensor<Float>, _ parameters: Parameters<Float>) -> [Tensor<Float>] {
        configuration.heads.map { head in
            let layers = headLayers(head)
            let hidden = swishMLP(crystals, layers.dropLast(), parameters)
            let out = layers[layers.count - 1](hidden, parameters)
            return head.classification ? out.logSoftmax() : out
        }
    }

    /// The network's outputs per crystal: one [crystals, outputs] tensor per head.
    public func callAsFunction(_ batch: GraphBatch, _ parameters: Parameters<Float>) -> [Tensor<Float>] {
        heads(encode(batch, parameters), parameters)
    }
}
