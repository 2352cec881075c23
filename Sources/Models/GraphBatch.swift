import Tensor

/// A batch of crystal graphs as the models read them: atom features, edges (neighbour → centre, grouped by
/// centre) with distances, each crystal's atoms as CSR offsets, and what coGN and coNGN read besides (atomic
/// numbers, Wyckoff multiplicities, the line graph).
///
/// In an asymmetric-unit graph the "atoms" are the symmetry-unique representatives, each standing for
/// `nodeMultiplicity` atoms of the cell.
public struct GraphBatch: Sendable {
    /// [atoms, feature width] (the model's element table: CGCNN's 92 columns, or coGN's element properties).
    public var atomFeatures: Tensor<Float>
    public var edgeSrc: [Int32]
    public var edgeDst: [Int32]
    /// Edge e's centre row range: edges of atom a are `edgeOffsets[a]..<edgeOffsets[a + 1]`.
    public var edgeOffsets: [Int]
    /// [edges], Å.
    public var edgeDistance: [Double]
    /// Atoms of crystal c are `crystalOffsets[c]..<crystalOffsets[c + 1]`.
    public var crystalOffsets: [Int]

    /// [atoms] atomic numbers (empty when the batch was made without them).
    public var atomicNumbers: [UInt8] = []
    /// [atoms] how many atoms of the cell each node stands for; empty means 1 for every node (a full cell).
    public var nodeMultiplicity: [Float] = []
    /// [triplets] the edge receiving each line-graph message (triplets grouped by it, ascending).
    public var tripletEdgeA: [Int32] = []
    /// [triplets] the other edge into the same centre.
    public var tripletEdgeB: [Int32] = []
    /// [triplets] the bond angle between the two edges, radians.
    public var tripletAngle: [Double] = []
    /// Triplets of edge e are `tripletOffsets[e]..<tripletOffsets[e + 1]` ([edges + 1]; empty without a line
    /// graph).
    public var tripletOffsets: [Int] = []

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

    /// Number of crystals.
    public var crystalCount: Int { crystalOffsets.count - 1 }

    /// Number of atoms (nodes).
    public var atomCount: Int { crystalOffsets[crystalOffsets.count - 1] }

    /// Whether the batch carries a line graph (possibly with no triplets).
    public var hasLineGraph: Bool { !tripletOffsets.isEmpty }

    /// Σ_i w_i x_i over each crystal's nodes, w the multiplicities: [atoms, F] → [crystals, F], the sum over
    /// every atom of the cell.
    public func crystalSum(_ x: Tensor<Float>) -> Tensor<Float> {
        guard !nodeMultiplicity.isEmpty else { return x.segmentSum(offsets: crystalOffsets) }
        return (x * Tensor(shape: [nodeMultiplicity.count, 1], values: nodeMultiplicity)).segmentSum(
            offsets: crystalOffsets)
    }

    /// Σ_i w_i x_i / Σ_i w_i over each crystal's nodes: [atoms, F] → [crystals, F], the mean over every atom of
    /// the cell.
    public func crystalMean(_ x: Tensor<Float>) -> Tensor<Float> {
        guard !nodeMultiplicity.isEmpty else { return x.segmentMean(offsets: crystalOffsets) }
        let inverseTotals = (0..<crystalCount).map { c in
            1 / nodeMultiplicity[crystalOffsets[c]..<crystalOffsets[c + 1]].reduce(0, +)
        }
        return crystalSum(x) * Tensor(shape: [crystalCount, 1], values: inverseTotals)
    }
}
