import Crystal
import Foundation

/// Builds the graph of `crystal` as `parameters` say.
///
/// Steps: spglib's symmetry (when `parameters.needsSymmetry`: the space group, the orbits of an asymmetric unit,
/// the idealised crystal for `symmetrize`), the centres (every atom, or one representative per orbit), their
/// neighbours (`NeighborFinder`), CGCNN padding if asked, and the line graph if asked. A symmetry failure falls
/// back to the full cell and the positions as given, and says so in `note`.
///
/// - Precondition: `parameters.problem == nil` and the crystal passed validation (atoms, positive volume).
public func buildGraph(for crystal: Crystal, parameters: GraphParameters) -> CrystalGraph {
    precondition(parameters.problem == nil, "buildGraph: \(parameters.problem ?? "")")
    var graph = CrystalGraph()
    let symmetry =
        parameters.needsSymmetry
        ? SymmetryAnalysis(
            crystal, symprec: parameters.symprec, angleTolerance: parameters.angleTolerance,
            idealize: parameters.symmetrize) : nil
    if let symmetry {
        graph.spaceGroupNumber = symmetry.spaceGroupNumber
        graph.spaceGroupSymbol = symmetry.spaceGroupSymbol
    }
    var crystal = crystal
    if parameters.symmetrize {
        if let idealized = symmetry?.idealized {
            crystal = idealized
        } else {
            graph.note = "spglib found no symmetry to idealise (symprec \(parameters.symprec) Å); positions as given"
        }
    }

    // Nodes: every atom, or the first atom of each crystallographic orbit.
    let atomCount = crystal.sites.count
    var nodeOfAtom = Array(0..<atomCount)
    var centres = Array(0..<atomCount)
    var multiplicity = [Int32](repeating: 1, count: atomCount)
    if parameters.asymmetricUnit {
        if let symmetry {
            centres = []
            multiplicity = []
            var nodeOfRepresentative: [Int: Int] = [:]
            for atom in 0..<atomCount where symmetry.orbit[atom] == atom {
                nodeOfRepresentative[atom] = centres.count
                centres.append(atom)
                multiplicity.append(0)
            }
            for atom in 0..<atomCount {
                let node = nodeOfRepresentative[symmetry.orbit[atom]] ?? 0
                nodeOfAtom[atom] = node
                multiplicity[node] += 1
            }
        } else {
            graph.note = "spglib found no symmetry (symprec \(parameters.symprec) Å); full cell used"
        }
    }
    graph.nodeAtomIndex = centres.map { Int32($0) }
    graph.nodeMultiplicity = multiplicity
    graph.nodeAtomicNumber = centres.map { UInt8(crystal.sites[$0].element.atomicNumber) }

    // Edges into each centre, in edge order.
    let finder =
        switch parameters.method {
        case .radius:
            // CGCNN's choice among neighbours tied at the last place needs every tied one (see below).
            NeighborFinder(
                cutoff: parameters.cutoff, count: parameters.maxNeighbors,
                ties: parameters.cgcnnCompat ? parameters.tieTolerance : nil)
        case .knn: NeighborFinder(cutoff: .infinity, count: parameters.k, ties: parameters.tieTolerance)
        case .minImage: NeighborFinder(cutoff: parameters.cutoff, count: parameters.maxNeighbors, onePerAtom: true)
        }
    var lists = finder.neighbors(of: centres, in: crystal)
    if parameters.cgcnnCompat && parameters.method == .radius {
        let pymatgen = PymatgenDistance(crystal, cutoff: parameters.cutoff)
        for (node, list) in lists.enumerated() where list.count > parameters.maxNeighbors {
            let keyed = list.map { ($0, pymatgen.order(from: centres[node], to: Int($0.atom), image: $0.image)) }
            lists[node] = keyed.sorted { $0.1.precedes($1.1) }.prefix(parameters.maxNeighbors).map(\.0)
        }
    }
    let edgeCount = lists.reduce(0) { $0 + max($1.count, parameters.cgcnnCompat ? parameters.maxNeighbors : 0) }
    graph.edgeSrc.reserveCapacity(edgeCount)
    graph.edgeDst.reserveCapacity(edgeCount)
    graph.edgeImage.reserveCapacity(3 * edgeCount)
    graph.edgeDistance.reserveCapacity(edgeCount)
    graph.edgeVector.reserveCapacity(3 * edgeCount)
    for (node, list) in lists.enumerated() {
        var list = list
        if parameters.cgcnnCompat && list.count < parameters.maxNeighbors {
            let padding = Neighbor(atom: 0, image: .zero, distance: parameters.cutoff + 1, vector: .zero)
            list += repeatElement(padding, count: parameters.maxNeighbors - list.count)
        }
        for neighbor in list {
            graph.appendEdge(
                src: Int32(nodeOfAtom[Int(neighbor.atom)]), dst: Int32(node), image: neighbor.image,
                distance: neighbor.distance, vector: neighbor.vector)
        }
    }
    if parameters.lineGraph { addLineGraph(to: &graph) }
    return graph
}

/// Adds every ordered pair (a, b), a ≠ b, of edges into the same centre, with the angle between their
/// vectors: θ = atan2(|a × b|, a · b), accurate at 0 and π where acos is not.
///
/// Triplets are ordered by edge a, then edge b (edges are already grouped by centre).
func addLineGraph(to graph: inout CrystalGraph) {
    var start = 0
    while start < graph.edgeCount {
        var end = start
        while end < graph.edgeCount && graph.edgeDst[end] == graph.edgeDst[start] { end += 1 }
        for a in start..<end {
            for b in start..<end where b != a {
                let u = graph.vector(a)
                let v = graph.vector(b)
                let c = cross(u, v)
                graph.tripletEdgeA.append(Int32(a))
                graph.tripletEdgeB.append(Int32(b))
                graph.tripletAngle.append(atan2(dot(c, c).squareRoot(), dot(u, v)))
            }
        }
        start = end
    }
}
