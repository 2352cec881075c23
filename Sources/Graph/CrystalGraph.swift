/// The graph of one crystal: nodes (atoms, or symmetry-unique atoms), directed edges from neighbour to
/// centre, and optionally triplets of edges sharing a centre.
///
/// Indices are local to the crystal. Edges are sorted by centre (`edgeDst`), then distance, then source
/// atom, then image, so the order never depends on search order or thread count.
public struct CrystalGraph: Sendable, Hashable {
    /// For each node, its atom's index in the crystal's sites. [nodes]
    public var nodeAtomIndex: [Int32] = []
    /// For each node, how many atoms of the cell it stands for. [nodes]
    ///
    /// Its Wyckoff multiplicity, 1 in a full-cell graph; the values sum to the crystal's atom count.
    public var nodeMultiplicity: [Int32] = []
    /// For each node, its atomic number. [nodes]
    public var nodeAtomicNumber: [UInt8] = []

    /// The neighbour's node. [edges]
    public var edgeSrc: [Int32] = []
    /// The centre's node. [edges]
    public var edgeDst: [Int32] = []
    /// The lattice translation of the neighbour atom, whose position is `frac[atom] + image`, flat as
    /// stored: edge e's is elements 3e..<3e+3. [edges × 3]
    public var edgeImage: [Int32] = []
    /// |edgeVector|, Å. [edges]
    public var edgeDistance: [Double] = []
    /// From the centre atom to the neighbour's image, Cartesian, Å. [edges × 3]
    ///
    /// In an asymmetric-unit graph this is the real offset of the neighbour atom, whose node (`edgeSrc`) is
    /// its orbit's representative.
    ///
    /// Flat as `edgeImage`.
    public var edgeVector: [Double] = []

    /// The edge pointing into the centre that receives a triplet's message. [triplets]
    public var tripletEdgeA: [Int32] = []
    /// The other edge into the same centre. [triplets]
    public var tripletEdgeB: [Int32] = []
    /// The angle between the two edges' vectors, radians in [0, π]. [triplets]
    public var tripletAngle: [Double] = []

    /// spglib's space group number (1–230), or 0 when symmetry was not asked for or could not be found.
    public var spaceGroupNumber: Int32 = 0
    /// spglib's international symbol such as `Fm-3m`, or empty.
    public var spaceGroupSymbol = ""
    /// Why the graph differs from what was asked, or empty.
    ///
    /// A symmetry failure that fell back to the full cell, for instance.
    public var note = ""

    public init() {}

    /// Number of nodes.
    public var nodeCount: Int { nodeAtomIndex.count }
    /// Number of edges.
    public var edgeCount: Int { edgeSrc.count }
    /// Number of triplets.
    public var tripletCount: Int { tripletEdgeA.count }

    /// Edge `e`'s image.
    public func image(_ e: Int) -> SIMD3<Int32> { SIMD3(edgeImage[3 * e], edgeImage[3 * e + 1], edgeImage[3 * e + 2]) }

    /// Edge `e`'s vector, Å.
    public func vector(_ e: Int) -> SIMD3<Double> {
        SIMD3(edgeVector[3 * e], edgeVector[3 * e + 1], edgeVector[3 * e + 2])
    }

    /// Appends an edge into node `dst` from node `src`.
    mutating func appendEdge(src: Int32, dst: Int32, image: SIMD3<Int32>, distance: Double, vector: SIMD3<Double>) {
        edgeSrc.append(src)
        edgeDst.append(dst)
        edgeImage.append(image.x)
        edgeImage.append(image.y)
        edgeImage.append(image.z)
        edgeDistance.append(distance)
        edgeVector.append(vector.x)
        edgeVector.append(vector.y)
        edgeVector.append(vector.z)
    }
}
