import Foundation
import NN
import Tensor

/// The crystal graph convolutional network of Xie & Grossman (PRL 120, 145301, 2018), with the published
/// models' layout and parameter names (`embedding`, `convs.K.fc_full`, `convs.K.bn1`, `convs.K.bn2`,
/// `conv_to_fc`, `fc_out`).
///
/// For atoms i with neighbours j over edges with distance features u_ij (Gaussians, `GaussianBasis`):
/// [f ‖ c] = BN₁(W [v_i ‖ v_j ‖ u_ij] + b), v_i ← softplus(v_i + BN₂(Σ_j σ(f_ij) ⊙ softplus(c_ij)));
/// then the mean over each crystal's atoms, softplus → Linear → softplus → Linear (→ log-softmax for
/// classification).
public struct CGCNN: Sendable {
    /// Hyper-parameters, named as the published checkpoints' attributes.
    public struct Configuration: Sendable, Hashable, Codable {
        public var atomFeatures = 92
        public var width = 64
        public var convolutions = 4
        public var hidden = 32
        public var outputs = 1
        public var classification = false
        public var basis = GaussianBasis()

        public init() {}
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// A batch of graphs as CGCNN reads them: atom features, edges (neighbour → centre, grouped by centre in
    /// neighbour order) with distances, and each crystal's atoms as CSR offsets.
    public struct Batch: Sendable {
        /// [atoms, atomFeatures].
        public var atomFeatures: Tensor<Float>
        public var edgeSrc: [Int32]
        public var edgeDst: [Int32]
        /// Edge e's centre row range: edges of atom a are `edgeOffsets[a]..<edgeOffsets[a + 1]`.
        public var edgeOffsets: [Int]
        /// [edges], Å.
        public var edgeDistance: [Double]
        /// Atoms of crystal c are `crystalOffsets[c]..<crystalOffsets[c + 1]`.
        public var crystalOffsets: [Int]

        public init(
            atomFeatures: Tensor<Float>, edgeSrc: [Int32], edgeDst: [Int32], edgeOffsets: [Int],
            edgeDistance: [Double], crystalOffsets: [Int]
        ) {
            self.atomFeatures = atomFeatures
            self.edgeSrc = edgeSrc
            self.edgeDst = edgeDst
            self.edgeOffsets = edgeOffsets
            self.edgeDistance = edgeDistance
            self.crystalOffsets = crystalOffsets
        }
    }

    /// The network's output per crystal: [crystals, outputs] (log-probabilities for classification).
    ///
    /// `buffers` holds the BatchNorm running statistics; `training` selects batch statistics (and updates
    /// `buffers`) or the running ones.
    public func callAsFunction(
        _ batch: Batch, _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> Tensor<Float> {
        let c = configuration
        let edgeFeatures = c.basis.expand(batch.edgeDistance)
        var atoms = Linear("embedding", inputs: c.atomFeatures, outputs: c.width)(batch.atomFeatures, parameters)
        for k in 0..<c.convolutions {
            let gate = Linear("convs.\(k).fc_full", inputs: 2 * c.width + c.basis.count, outputs: 2 * c.width)
            let pairs = Tensor.concat(
                [atoms.gather(rows: batch.edgeDst), atoms.gather(rows: batch.edgeSrc), edgeFeatures], axis: 1)
            let gated = BatchNorm("convs.\(k).bn1", features: 2 * c.width)(
                gate(pairs, parameters), parameters, buffers: &buffers, training: training)
            let halves = gated.split([c.width, c.width], axis: 1)
            let messages = halves[0].sigmoid() * halves[1].softplus()
            let summed = BatchNorm("convs.\(k).bn2", features: c.width)(
                messages.segmentSum(offsets: batch.edgeOffsets), parameters, buffers: &buffers, training: training)
            atoms = (atoms + summed).softplus()
        }
        let pooled = atoms.segmentMean(offsets: batch.crystalOffsets)
        let hidden = Linear("conv_to_fc", inputs: c.width, outputs: c.hidden)(pooled.softplus(), parameters).softplus()
        let out = Linear("fc_out", inputs: c.hidden, outputs: c.outputs)(hidden, parameters)
        return c.classification ? out.logSoftmax() : out
    }
}

/// CGCNN's Gaussian distance features, exp(−(d − μ_k)² / σ²).
///
/// Centres μ_k = dmin, dmin + step, …, dmax (41 centres from 0 to 8 Å by 0.2 Å, σ = 0.2 Å by default).
/// Values below the smallest normal float are
/// flushed to zero (about 4 % of them are subnormal otherwise; DESIGN.md §8).
public struct GaussianBasis: Sendable, Hashable, Codable {
    public var minimum = 0.0
    public var maximum = 8.0
    public var step = 0.2
    public var width = 0.2

    public init(minimum: Double = 0, maximum: Double = 8, step: Double = 0.2, width: Double = 0.2) {
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        self.width = width
    }

    /// The centres, as NumPy's `arange(dmin, dmax + step, step)` makes them.
    public var centres: [Double] {
        var centres: [Double] = []
        var k = 0
        while minimum + Double(k) * step < maximum + step - 1e-9 {
            centres.append(minimum + Double(k) * step)
            k += 1
        }
        return centres
    }

    /// Number of centres.
    public var count: Int { centres.count }

    /// Distances [edges], Å → features [edges, count], computed in Double (as NumPy does) and rounded to Float.
    public func expand(_ distances: [Double]) -> Tensor<Float> {
        let centres = self.centres
        var values = [Float](repeating: 0, count: distances.count * centres.count)
        for (e, d) in distances.enumerated() {
            for (k, mu) in centres.enumerated() {
                let v = Float(Foundation.exp(-(d - mu) * (d - mu) / (width * width)))
                values[e * centres.count + k] = v.isNormal ? v : 0
            }
        }
        return Tensor(shape: [distances.count, centres.count], values: values)
    }
}
