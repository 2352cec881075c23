import Crystal

/// How `buildGraph(for:parameters:)` connects atoms: the builder, its limits, and what else to compute.
///
/// Stored with every graph file (and hashed for the pipeline lock), so its fields are versioned by
/// `GraphParameters.version`.
public struct GraphParameters: Sendable, Hashable, Codable {
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
    /// Whether spglib runs: for an asymmetric unit or when space groups are asked for.
    public var needsSymmetry: Bool { asymmetricUnit || spaceGroup }
    /// Also compute triplets (ordered pairs of edges into the same centre) and their bond angles.
    public var lineGraph: Bool
    /// spglib's distance tolerance, Å.
    public var symprec: Double
    /// spglib's angle tolerance, degrees.
    public var angleTolerance: Double

    /// Distances closer than this, Å, count as tied (`knn` keeps ties at the k-th distance).
    ///
    /// Wider than float rounding on purpose: structure files print coordinates to a few decimals, which splits a
    /// shell of symmetry-equivalent neighbours by 10⁻⁶–10⁻⁴ Å (measured on the MatBench jdft2d and phonons files:
    /// at 10⁻⁶ Å, 96 and 140 atoms kept a different number of neighbours than another atom of their spglib orbit;
    /// at 10⁻³ Å, 0 and 16), and a kNN graph that keeps part of a shell depends on that rounding. Relaxed
    /// positions are not known to better than 10⁻³ Å either. (kgcnn gets whole shells by symmetrising each
    /// structure before its search.) Version 1 of these parameters used 10⁻⁶ Å.
    public static let tieTolerance = 1e-3

    public init(
        method: Method = .radius, cutoff: Double = 8, maxNeighbors: Int = 12, k: Int = 24, cgcnnCompat: Bool = false,
        asymmetricUnit: Bool = false, spaceGroup: Bool = false, lineGraph: Bool = false, symprec: Double = 0.01,
        angleTolerance: Double = 5
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
    }
}
