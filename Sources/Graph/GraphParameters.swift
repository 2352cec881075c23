import Crystal

/// How `buildGraph(for:parameters:)` connects atoms: the builder, its limits, and what else to compute.
///
/// Stored with every graph file (and hashed for the pipeline lock), so its fields are versioned by
/// `GraphParameters.version`.
public struct GraphParameters: Sendable, Hashable {
    /// The version of these parameters' meaning; bump when a default or a builder's rule changes.
    public static let version = 2

    /// Which neighbours become edges.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        /// Every neighbour (any periodic image) within `cutoff`, keeping the `maxNeighbors` nearest (CGCNN).
        case radius
        /// The `k` nearest neighbours, with every neighbour tied at the k-th distance kept (coGN).
        case knn
        /// One edge per atom pair, at its minimum-image distance, within `cutoff`, keeping the `maxNeighbors`
        /// nearest (the DSSL / DeeperGATGNN convention).
        case minImage = "min-image"
    }

    public var method: Method
    /// Largest neighbour distance, Å (`radius`, `min-image`).
    public var cutoff: Double
    /// Most neighbours kept per atom (`radius`, `min-image`).
    public var maxNeighbors: Int
    /// Neighbours per atom (`knn`).
    public var k: Int
    /// `radius` only: pad atoms with fewer than `maxNeighbors` neighbours with edges from atom 0 at
    /// `cutoff + 1` Å (zero image and vector), exactly as CGCNN's `CIFData` does, so published CGCNN
    /// weights see the inputs they were trained on.
    public var cgcnnCompat: Bool
    /// Nodes are the symmetry-unique atoms (spglib's crystallographic orbits), with their multiplicity.
    public var asymmetricUnit: Bool
    /// Find every crystal's space group with spglib even without `asymmetricUnit`.
    ///
    /// Off by default: spglib
    /// 2.0 takes about 2.5 ms per Materials Project crystal (47 ms for primitive rock salt), several times
    /// the whole neighbour search.
    public var spaceGroup: Bool
    /// Whether spglib runs: for an asymmetric unit, idealised positions or when space groups are asked for.
    public var needsSymmetry: Bool { asymmetricUnit || spaceGroup || symmetrize }
    /// Also compute triplets (ordered pairs of edges into the same centre) and their bond angles.
    public var lineGraph: Bool
    /// spglib's distance tolerance, Å.
    public var symprec: Double
    /// spglib's angle tolerance, degrees.
    public var angleTolerance: Double

    /// Idealise each crystal to the space group spglib finds at `symprec` before the neighbour search.
    ///
    /// The lattice and positions become `SymmetryAnalysis.idealized`'s, as kgcnn idealises coGN's crystals, so
    /// symmetry-equivalent neighbours are at equal distances to rounding. Edge vectors and distances are the
    /// idealised ones.
    public var symmetrize: Bool

    /// Distances closer than this, Å, count as tied (`knn` keeps ties at the k-th distance).
    ///
    /// 10⁻⁹ Å on idealised positions (`symmetrize`), kgcnn's tolerance. On positions as given, 10⁻³ Å, wider than
    /// float rounding on purpose: structure files print coordinates to a few decimals, which splits a shell of
    /// symmetry-equivalent neighbours by 10⁻⁶–10⁻⁴ Å (measured on the MatBench jdft2d and phonons files: at
    /// 10⁻⁶ Å, 96 and 140 atoms kept a different number of neighbours than another atom of their spglib orbit;
    /// at 10⁻³ Å, 0 and 16), and a kNN graph that keeps part of a shell depends on that rounding. The price is
    /// that neighbours closer than 10⁻³ Å but not equivalent are tied too. Version 1 of these parameters used
    /// 10⁻⁶ Å.
    public var tieTolerance: Double { symmetrize ? 1e-9 : 1e-3 }

    public init(
        method: Method = .radius, cutoff: Double = 8, maxNeighbors: Int = 12, k: Int = 24, cgcnnCompat: Bool = false,
        asymmetricUnit: Bool = false, spaceGroup: Bool = false, lineGraph: Bool = false, symprec: Double = 0.01,
        angleTolerance: Double = 5, symmetrize: Bool = false
    ) {
        self.method = method
        self.cutoff = cutoff
        self.maxNeighbors = maxNeighbors
        self.k = k
        self.cgcnnCompat = cgcnnCompat
        self.asymmetricUnit = asymmetricUnit
        self.spaceGroup = spaceGroup
        self.lineGraph = lineGraph
        self.symprec = symprec
        self.angleTolerance = angleTolerance
        self.symmetrize = symmetrize
    }

    /// The first inconsistency in these parameters, as a sentence for a usage error; `nil` when they are usable.
    public var problem: String? {
        if !(cutoff > 0 && cutoff.isFinite) { return "--cutoff must be a positive number of Å, not \(cutoff)" }
        if maxNeighbors < 1 { return "--max-neighbors must be at least 1, not \(maxNeighbors)" }
        if k < 1 { return "--k must be at least 1, not \(k)" }
        if cgcnnCompat && method != .radius { return "--cgcnn-compat applies to --method radius only" }
        if cgcnnCompat && lineGraph { return "--cgcnn-compat padding edges have no direction; drop --line-graph" }
        if !(symprec > 0) { return "symprec must be positive, not \(symprec)" }
        return nil
    }
}

extension GraphParameters {
    /// Whether graphs built with `other` have the same nodes and edges as with these parameters (space groups,
    /// line graphs and the symmetry tolerance aside): what a model trained on one set of graphs needs of another.
    public func buildsSameEdges(as other: GraphParameters) -> Bool {
        method == other.method && cutoff == other.cutoff && maxNeighbors == other.maxNeighbors && k == other.k
            && cgcnnCompat == other.cgcnnCompat && asymmetricUnit == other.asymmetricUnit
            && symmetrize == other.symmetrize
    }
}

extension GraphParameters: Codable {
    private enum CodingKeys: String, CodingKey {
        case method, cutoff, maxNeighbors, k, cgcnnCompat, asymmetricUnit, spaceGroup, lineGraph, symprec
        case angleTolerance, symmetrize
    }

    /// `symmetrize` may be absent (parameters written before it existed: false).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            method: try c.decode(Method.self, forKey: .method), cutoff: try c.decode(Double.self, forKey: .cutoff),
            maxNeighbors: try c.decode(Int.self, forKey: .maxNeighbors), k: try c.decode(Int.self, forKey: .k),
            cgcnnCompat: try c.decode(Bool.self, forKey: .cgcnnCompat),
            asymmetricUnit: try c.decode(Bool.self, forKey: .asymmetricUnit),
            spaceGroup: try c.decode(Bool.self, forKey: .spaceGroup),
            lineGraph: try c.decode(Bool.self, forKey: .lineGraph),
            symprec: try c.decode(Double.self, forKey: .symprec),
            angleTolerance: try c.decode(Double.self, forKey: .angleTolerance),
            symmetrize: try c.decodeIfPresent(Bool.self, forKey: .symmetrize) ?? false)
    }

    /// `symmetrize` is written only when set, so parameters without it encode (and hash) as before it existed.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(cutoff, forKey: .cutoff)
        try c.encode(maxNeighbors, forKey: .maxNeighbors)
        try c.encode(k, forKey: .k)
        try c.encode(cgcnnCompat, forKey: .cgcnnCompat)
        try c.encode(asymmetricUnit, forKey: .asymmetricUnit)
        try c.encode(spaceGroup, forKey: .spaceGroup)
        try c.encode(lineGraph, forKey: .lineGraph)
        try c.encode(symprec, forKey: .symprec)
        try c.encode(angleTolerance, forKey: .angleTolerance)
        if symmetrize { try c.encode(symmetrize, forKey: .symmetrize) }
    }
}
