import NN
import Tensor

/// NEGNN's predictive pretext (Kong and others, 2024): name the group and period of masked atoms and the distance
/// bin of every edge touching one.
///
/// Masked atoms' input features are zeroed, as are the edge features of every edge touching a masked atom
/// (the reference zeroes atoms only and leaves the edges' distances in the input; hiding them is what its
/// `mask_edge` option describes, and keeps the bin from being read off the input). From the last layer's atom
/// features h, `atom_head` gives 19 group logits (groups 1–18 and the f-block) and 7 period logits of each
/// masked atom, and `bond_head` the bin logits of edge (u, v) from h_u + h_v, one bin per Gaussian centre
/// (0.2 Å wide). Loss = CE(group) + CE(period) + CE(bin), as in the reference.
public struct NEGNNPredictive: Sendable {
    /// Group classes: groups 1–18 (0–17) and the f-block (18).
    public static let groupClasses = 19
    /// Period classes: periods 1–7 (0–6).
    public static let periodClasses = 7

    public struct Configuration: Sendable, Hashable, Codable {
        public var encoder = NEGNNEncoder.Configuration()
        /// coGN or coNGN in place of the NEGNN encoder (its heads unused), or nil.
        public var graphNetwork: CoGN.Configuration? = nil

        public init(features: Int = 92) { encoder.atomFeatures = features }
    }

    public let configuration: Configuration
    public var encoder: PretrainingEncoder {
        configuration.graphNetwork.map { .graphNetwork(CoGN($0)) } ?? .negnn(NEGNNEncoder(configuration.encoder))
    }

    public init(_ configuration: Configuration) { self.configuration = configuration }

    private var atomHead: Linear {
        Linear(
            "atom_head", inputs: encoder.width, outputs: Self.groupClasses + Self.periodClasses)
    }

    private var bondHead: Linear {
        Linear("bond_head", inputs: encoder.width, outputs: encoder.distanceBasis.count)
    }

    /// Fresh parameters and buffers: the encoder's, then the two heads'.
    public func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        var generator = SeededGenerator(seed: seed)
        var parameters = Parameters<Float>()
        var buffers = Parameters<Float>()
        encoder.initialize(&parameters, buffers: &buffers, using: &generator)
        atomHead.initialize(&parameters, using: &generator)
        bondHead.initialize(&parameters, using: &generator)
        return (parameters, buffers)
    }

    /// The bin of distance `d` (Å): the nearest Gaussian centre, clamped to the basis.
    public func bin(of d: Double) -> Int {
        let basis = encoder.distanceBasis
        let k = Int(((d - basis.minimum) / basis.step).rounded())
        return min(max(k, 0), basis.count - 1)
    }

    /// The masked inputs: `batch`'s atom features with rows `maskedAtoms` zeroed (and their atomic numbers 0, which
    /// coGN embeds as the mask), its edge features with every edge touching a masked atom zeroed, and those
    /// edges (ascending).
    public func mask(_ batch: GraphBatch, maskedAtoms: [Int32]) -> (
        batch: GraphBatch, edgeFeatures: Tensor<Float>, maskedEdges: [Int32]
    ) {
        var masked = batch
        var isMasked = [Bool](repeating: false, count: batch.atomFeatures.shape[0])
        for a in maskedAtoms { isMasked[Int(a)] = true }
        let width = batch.atomFeatures.shape[1]
        var atoms = batch.atomFeatures.values
        for a in maskedAtoms { for f in 0..<width { atoms[Int(a) * width + f] = 0 } }
        masked.atomFeatures = Tensor(shape: batch.atomFeatures.shape, values: atoms)
        if !masked.atomicNumbers.isEmpty { for a in maskedAtoms { masked.atomicNumbers[Int(a)] = 0 } }
        let edgeFeatures = encoder.edgeFeatures(batch)
        let bins = edgeFeatures.shape[1]
        var edges = edgeFeatures.values
        var maskedEdges: [Int32] = []
        for e in batch.edgeSrc.indices where isMasked[Int(batch.edgeSrc[e])] || isMasked[Int(batch.edgeDst[e])] {
            maskedEdges.append(Int32(e))
            for f in 0..<bins { edges[e * bins + f] = 0 }
        }
        return (masked, Tensor(shape: edgeFeatures.shape, values: edges), maskedEdges)
    }

    /// The loss of one step.
    ///
    /// - Parameters:
    ///   - batch: `mask(_:maskedAtoms:)`'s batch.
    ///   - edgeFeatures: its edge features.
    ///   - maskedAtoms: the masked atoms (batch-global indices).
    ///   - groups: their group classes (0–18).
    ///   - periods: their period classes (0–6).
    ///   - maskedEdges: its masked edges.
    ///   - parameters: the encoder's and the heads' weights.
    ///   - buffers: BatchNorm running statistics, updated when `training`.
    ///   - training: batch statistics (true) or running ones.
    /// - Returns: the total (on the tape); losses `group`, `period`, `bond`; hits of the same names.
    public func loss(
        _ batch: GraphBatch, edgeFeatures: Tensor<Float>, maskedAtoms: [Int32], groups: [Int], periods: [Int],
        maskedEdges: [Int32], _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> PretextTerms {
        precondition(
            maskedAtoms.count == groups.count && groups.count == periods.count,
            "NEGNNPredictive.loss: \(maskedAtoms.count) atoms, \(groups.count) groups, \(periods.count) periods")
        let layers = encoder.atomLayers(
            batch, edgeFeatures: edgeFeatures, parameters, buffers: &buffers, training: training)
        let h = layers[layers.count - 1]
        let logits = atomHead(h.gather(rows: maskedAtoms), parameters)
        let groupLogits = logits.narrow(axis: 1, range: 0..<Self.groupClasses)
        let periodLogits = logits.narrow(axis: 1, range: Self.groupClasses..<(Self.groupClasses + Self.periodClasses))
        let groupLoss = Loss.crossEntropy(groupLogits, classes: groups)
        let periodLoss = Loss.crossEntropy(periodLogits, classes: periods)
        var total = groupLoss + periodLoss
        var losses = ["group": groupLoss.values[0], "period": periodLoss.values[0], "bond": 0]
        var hits = [
            "group": (PretextTerms.right(groupLogits, groups), groups.count),
            "period": (PretextTerms.right(periodLogits, periods), periods.count),
        ]
        if !maskedEdges.isEmpty {
            let src = maskedEdges.map { batch.edgeSrc[Int($0)] }
            let dst = maskedEdges.map { batch.edgeDst[Int($0)] }
            let bondLogits = bondHead(h.gather(rows: src) + h.gather(rows: dst), parameters)
            let bins = maskedEdges.map { bin(of: batch.edgeDistance[Int($0)]) }
            let bondLoss = Loss.crossEntropy(bondLogits, classes: bins)
            total = total + bondLoss
            losses["bond"] = bondLoss.values[0]
            hits["bond"] = (PretextTerms.right(bondLogits, bins), bins.count)
        }
        return PretextTerms(total: total, losses: losses, hits: hits)
    }
}
