import Foundation
import Graph
import Models
import Store

/// The graphs of a contiguous range of crystals of `graphs.h5`, held in memory as the flat arrays the store
/// keeps (node and edge indices local to their crystal).
struct GraphSet: Sendable {
    /// Crystals' positions in `graphs.h5`.
    let range: Range<Int>
    /// CSR offsets into `atomicNumbers` [crystals + 1], starting at 0.
    let nodePtr: [Int]
    /// CSR offsets into the edge arrays [crystals + 1], starting at 0.
    let edgePtr: [Int]
    let atomicNumbers: [UInt8]
    let edgeSrc: [Int32]
    let edgeDst: [Int32]
    /// Å.
    let edgeDistance: [Double]
    /// [nodes] Wyckoff multiplicities (1 in full-cell graphs).
    let nodeMultiplicity: [Int32]
    /// CSR offsets into the triplet arrays [crystals + 1], starting at 0; nil without a line graph.
    let tripletPtr: [Int]?
    /// Edge indices local to their crystal, as stored.
    let tripletEdgeA: [Int32]
    let tripletEdgeB: [Int32]
    /// Radians.
    let tripletAngle: [Double]

    /// Reads crystals `range` of the graphs file whose root is `root`, given its `node_ptr` and `edge_ptr`.
    init(root: StoreGroup, nodePtr: [Int64], edgePtr: [Int64], range: Range<Int>) throws {
        self.range = range
        let nodes = Int(nodePtr[range.lowerBound])..<Int(nodePtr[range.upperBound])
        let edges = Int(edgePtr[range.lowerBound])..<Int(edgePtr[range.upperBound])
        self.nodePtr = (range.lowerBound...range.upperBound).map { Int(nodePtr[$0]) - nodes.lowerBound }
        self.edgePtr = (range.lowerBound...range.upperBound).map { Int(edgePtr[$0]) - edges.lowerBound }
        atomicNumbers = try root.dataset("node_atomic_number").read(rows: nodes, as: UInt8.self).values
        edgeSrc = try root.dataset("edge_src").read(rows: edges, as: Int32.self).values
        edgeDst = try root.dataset("edge_dst").read(rows: edges, as: Int32.self).values
        edgeDistance = try root.dataset("edge_distance").read(rows: edges, as: Double.self).values
        nodeMultiplicity = try root.dataset("node_multiplicity").read(rows: nodes, as: Int32.self).values
        if root.contains("triplet_ptr") {
            let ptr = try root.dataset("triplet_ptr").read(
                rows: range.lowerBound..<(range.upperBound + 1), as: Int64.self
            ).values.map { Int($0) }
            let triplets = ptr[0]..<ptr[ptr.count - 1]
            tripletPtr = ptr.map { $0 - triplets.lowerBound }
            tripletEdgeA = try root.dataset("triplet_edge_a").read(rows: triplets, as: Int32.self).values
            tripletEdgeB = try root.dataset("triplet_edge_b").read(rows: triplets, as: Int32.self).values
            tripletAngle = try root.dataset("triplet_angle").read(rows: triplets, as: Double.self).values
        } else {
            (tripletPtr, tripletEdgeA, tripletEdgeB, tripletAngle) = (nil, [], [], [])
        }
    }

    /// Graphs built in memory, such as from perturbed coordinates, as crystals `0..<graphs.count`.
    init(graphs: [CrystalGraph]) {
        range = 0..<graphs.count
        var nodePtr = [0]
        var edgePtr = [0]
        var atomicNumbers: [UInt8] = []
        var edgeSrc: [Int32] = []
        var edgeDst: [Int32] = []
        var edgeDistance: [Double] = []
        var nodeMultiplicity: [Int32] = []
        var tripletPtr = [0]
        var tripletEdgeA: [Int32] = []
        var tripletEdgeB: [Int32] = []
        var tripletAngle: [Double] = []
        for graph in graphs {
            atomicNumbers += graph.nodeAtomicNumber
            nodeMultiplicity += graph.nodeMultiplicity
            edgeSrc += graph.edgeSrc
            edgeDst += graph.edgeDst
            edgeDistance += graph.edgeDistance
            tripletEdgeA += graph.tripletEdgeA
            tripletEdgeB += graph.tripletEdgeB
            tripletAngle += graph.tripletAngle
            nodePtr.append(atomicNumbers.count)
            edgePtr.append(edgeSrc.count)
            tripletPtr.append(tripletEdgeA.count)
        }
        self.nodeMultiplicity = nodeMultiplicity
        self.tripletPtr = tripletEdgeA.isEmpty ? nil : tripletPtr
        self.tripletEdgeA = tripletEdgeA
        self.tripletEdgeB = tripletEdgeB
        self.tripletAngle = tripletAngle
        self.nodePtr = nodePtr
        self.edgePtr = edgePtr
        self.atomicNumbers = atomicNumbers
        self.edgeSrc = edgeSrc
        self.edgeDst = edgeDst
        self.edgeDistance = edgeDistance
    }

    /// Number of crystals.
    var count: Int { range.count }

    /// The atoms of crystal `k` (0-based within the set) in `atomicNumbers`.
    func atoms(of k: Int) -> Range<Int> { nodePtr[k]..<nodePtr[k + 1] }

    /// An element of crystal `k` that `features` has no row for, if any.
    func uncoveredElement(of k: Int, features: AtomFeatures) -> UInt8? {
        atoms(of: k).lazy.map { self.atomicNumbers[$0] }.first { !features.covers($0) }
    }

    /// Crystals `members` (0-based within the set, in the order given) as one CGCNN batch.
    ///
    /// Atoms whose element `features` lacks get hydrogen's features (callers either excluded such crystals
    /// or discard their outputs; crystals do not interact in evaluation).
    func batch(_ members: [Int], features: AtomFeatures) -> GraphBatch {
        var atomCount = 0
        var edgeCount = 0
        for k in members {
            atomCount += nodePtr[k + 1] - nodePtr[k]
            edgeCount += edgePtr[k + 1] - edgePtr[k]
        }
        var numbers = [UInt8](repeating: 1, count: atomCount)
        var src = [Int32](repeating: 0, count: edgeCount)
        var dst = [Int32](repeating: 0, count: edgeCount)
        var distances = [Double](repeating: 0, count: edgeCount)
        var edgeOffsets = [Int](repeating: 0, count: atomCount + 1)
        var crystalOffsets = [0]
        crystalOffsets.reserveCapacity(members.count + 1)
        var atom = 0
        var edge = 0
        for k in members {
            let base = Int32(atom)
            for a in atoms(of: k) {
                let z = atomicNumbers[a]
                numbers[atom + a - nodePtr[k]] = features.covers(z) ? z : 1
            }
            // Edges are grouped by centre (edge_dst ascending), so offsets come from counting.
            for e in edgePtr[k]..<edgePtr[k + 1] {
                src[edge] = edgeSrc[e] + base
                dst[edge] = edgeDst[e] + base
                distances[edge] = edgeDistance[e]
                edgeOffsets[Int(dst[edge]) + 1] += 1
                edge += 1
            }
            atom += nodePtr[k + 1] - nodePtr[k]
            crystalOffsets.append(atom)
        }
        for a in 0..<atomCount { edgeOffsets[a + 1] += edgeOffsets[a] }
        // Every element is covered now, so the feature lookup cannot fail.
        let atomFeatures = (try? features.features(numbers)) ?? .init(repeating: 0, shape: [atomCount, features.width])
        var batch = GraphBatch(
            atomFeatures: atomFeatures, edgeSrc: src, edgeDst: dst, edgeOffsets: edgeOffsets,
            edgeDistance: distances, crystalOffsets: crystalOffsets)
        batch.atomicNumbers = numbers
        // Left empty (every node 1) for full-cell graphs, so their pooling stays a plain mean.
        let multiplicities = members.flatMap { k in atoms(of: k).map { nodeMultiplicity[$0] } }
        if multiplicities.contains(where: { $0 != 1 }) { batch.nodeMultiplicity = multiplicities.map(Float.init) }
        if let tripletPtr { addLineGraph(members, tripletPtr: tripletPtr, to: &batch) }
        return batch
    }

    /// Adds the triplets of crystals `members` to `batch` (edge indices shifted to the batch's), with offsets
    /// by receiving edge.
    private func addLineGraph(_ members: [Int], tripletPtr: [Int], to batch: inout GraphBatch) {
        let count = members.reduce(0) { $0 + tripletPtr[$1 + 1] - tripletPtr[$1] }
        var a = [Int32](repeating: 0, count: count)
        var b = [Int32](repeating: 0, count: count)
        var angles = [Double](repeating: 0, count: count)
        var offsets = [Int](repeating: 0, count: batch.edgeSrc.count + 1)
        var edgeBase = 0
        var t = 0
        for k in members {
            for s in tripletPtr[k]..<tripletPtr[k + 1] {
                a[t] = tripletEdgeA[s] + Int32(edgeBase)
                b[t] = tripletEdgeB[s] + Int32(edgeBase)
                angles[t] = tripletAngle[s]
                offsets[Int(a[t]) + 1] += 1
                t += 1
            }
            edgeBase += edgePtr[k + 1] - edgePtr[k]
        }
        for e in 0..<batch.edgeSrc.count { offsets[e + 1] += offsets[e] }
        batch.tripletEdgeA = a
        batch.tripletEdgeB = b
        batch.tripletAngle = angles
        batch.tripletOffsets = offsets
    }
}
