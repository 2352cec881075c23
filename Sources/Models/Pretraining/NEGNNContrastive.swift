import NN
import Tensor

/// NEGNN's contrastive pretext (Kong and others, 2024): GraphCL between two augmented views of every crystal.
///
/// A view is a supercell of the crystal (1×1×1, 1×1×2, 1×2×2 or 2×2×2, drawn per view) whose graph is
/// rebuilt, with ⌊fraction·n⌋ + 1 of its atoms' features and ⌊fraction·m⌋ + 1 of its edges' features replaced by
/// the crystal's mean atom and mean edge feature rows (`maskAttributes`). The last layer's atom features are
/// mean-pooled, passed through the projection head Linear → ReLU → Linear (`projection.0`, `projection.1`,
/// width × width), and the two views compared with `Loss.graphCL` at temperature τ (0.1).
public struct NEGNNContrastive: Sendable {
    /// The supercells a view is drawn from (repeats along a, b, c), as the reference's `cell_size` choices.
    public static let supercells: [SIMD3<Int>] = [SIMD3(1, 1, 1), SIMD3(1, 1, 2), SIMD3(1, 2, 2), SIMD3(2, 2, 2)]

    public struct Configuration: Sendable, Hashable, Codable {
        public var encoder = NEGNNEncoder.Configuration()
        /// coGN or coNGN in place of the NEGNN encoder (its heads unused), or nil.
        public var graphNetwork: CoGN.Configuration? = nil
        public var temperature = 0.1

        public init(features: Int = 92) { encoder.atomFeatures = features }
    }

    public let configuration: Configuration
    public var encoder: PretrainingEncoder {
        configuration.graphNetwork.map { .graphNetwork(CoGN($0)) } ?? .negnn(NEGNNEncoder(configuration.encoder))
    }

    public init(_ configuration: Configuration) { self.configuration = configuration }

    private var projection: MLP {
        let w = encoder.width
        return MLP("projection", widths: [w, w, w], activation: .relu)
    }

    /// Fresh parameters and buffers: the encoder's, then the projection head's.
    public func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        var generator = SeededGenerator(seed: seed)
        var parameters = Parameters<Float>()
        var buffers = Parameters<Float>()
        encoder.initialize(&parameters, buffers: &buffers, using: &generator)
        projection.initialize(&parameters, using: &generator)
        return (parameters, buffers)
    }

    /// `batch` and its edge features with, in each crystal c, ⌊fraction·n⌋ + 1 distinct atom rows (at most n)
    /// and ⌊fraction·m⌋ + 1 distinct edge rows (at most m) replaced by that crystal's mean row, drawn with
    /// `generators[c]`; those atoms' atomic numbers become 0 (coGN's mask: an element has no mean).
    public func maskAttributes<G: RandomNumberGenerator>(
        _ batch: GraphBatch, fraction: Double, using generators: inout [G]
    ) -> (batch: GraphBatch, edgeFeatures: Tensor<Float>) {
        precondition(
            generators.count == batch.crystalCount,
            "NEGNNContrastive.maskAttributes: \(generators.count) generators for \(batch.crystalCount) crystals")
        let edgeFeatures = encoder.edgeFeatures(batch)
        var atoms = batch.atomFeatures.values
        var edges = edgeFeatures.values
        var masked = batch
        for c in 0..<batch.crystalCount {
            let atomRange = batch.crystalOffsets[c]..<batch.crystalOffsets[c + 1]
            let edgeRange = batch.edgeOffsets[atomRange.lowerBound]..<batch.edgeOffsets[atomRange.upperBound]
            let maskedAtoms = Self.replaceWithMean(
                &atoms, rows: atomRange, width: batch.atomFeatures.shape[1], fraction: fraction,
                using: &generators[c])
            if !masked.atomicNumbers.isEmpty { for a in maskedAtoms { masked.atomicNumbers[a] = 0 } }
            Self.replaceWithMean(
                &edges, rows: edgeRange, width: edgeFeatures.shape[1], fraction: fraction, using: &generators[c])
        }
        masked.atomFeatures = Tensor(shape: batch.atomFeatures.shape, values: atoms)
        return (masked, Tensor(shape: edgeFeatures.shape, values: edges))
    }

    /// Replaces ⌊fraction·n⌋ + 1 distinct rows of `rows` (n of them, at most n) of a row-major [_, width] array
    /// by the mean of those n rows; returns the rows replaced.
    @discardableResult
    private static func replaceWithMean<G: RandomNumberGenerator>(
        _ values: inout [Float], rows: Range<Int>, width: Int, fraction: Double, using generator: inout G
    ) -> ArraySlice<Int> {
        guard !rows.isEmpty else { return [] }
        var mean = [Float](repeating: 0, count: width)
        for r in rows { for f in 0..<width { mean[f] += values[r * width + f] } }
        for f in 0..<width { mean[f] /= Float(rows.count) }
        var pool = Array(rows)
        let count = min(rows.count, Int(fraction * Double(rows.count)) + 1)
        for i in 0..<count {
            pool.swapAt(i, Int.random(in: i..<pool.count, using: &generator))
            for f in 0..<width { values[pool[i] * width + f] = mean[f] }
        }
        return pool[0..<count]
    }

    /// The projected, mean-pooled encoding [crystals, width] of one view.
    public func project(
        _ batch: GraphBatch, edgeFeatures: Tensor<Float>, _ parameters: Parameters<Float>,
        buffers: inout Parameters<Float>, training: Bool
    ) -> Tensor<Float> {
        let layers = encoder.atomLayers(
            batch, edgeFeatures: edgeFeatures, parameters, buffers: &buffers, training: training)
        return projection(batch.crystalMean(layers[layers.count - 1]), parameters)
    }

    /// The loss of one step: GraphCL between views of the same crystals (`maskAttributes` outputs).
    public func loss(
        view1: (batch: GraphBatch, edgeFeatures: Tensor<Float>),
        view2: (batch: GraphBatch, edgeFeatures: Tensor<Float>), _ parameters: Parameters<Float>,
        buffers: inout Parameters<Float>, training: Bool
    ) -> PretextTerms {
        precondition(
            view1.batch.crystalCount == view2.batch.crystalCount,
            "NEGNNContrastive.loss: views of \(view1.batch.crystalCount) and \(view2.batch.crystalCount) crystals")
        let z1 = project(
            view1.batch, edgeFeatures: view1.edgeFeatures, parameters, buffers: &buffers, training: training)
        let z2 = project(
            view2.batch, edgeFeatures: view2.edgeFeatures, parameters, buffers: &buffers, training: training)
        let loss = Loss.graphCL(z1, z2, temperature: Float(configuration.temperature))
        // A view is right when its partner is its most similar row of the other view: the top-1 accuracy.
        let n = z1.shape[0]
        let partner = Tensor(
            shape: [n, n], values: Loss.cosineMatrix(z1.values, z2.values, rows: n, width: z1.shape[1]))
        return PretextTerms(
            total: loss, losses: ["contrast": loss.values[0]],
            hits: ["partner": (PretextTerms.right(partner, Array(0..<n)), n)])
    }
}
