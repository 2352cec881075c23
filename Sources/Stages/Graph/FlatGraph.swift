import Graph

/// A crystal's graph laid out as `graphs.h5` stores it: flat arrays, vectors as consecutive x, y, z.
///
/// Made on the worker threads, so the single writer only concatenates arrays.
struct FlatGraph: Sendable {
    var id: String
    var spaceGroupNumber: Int32
    var spaceGroupSymbol: String
    var note: String
    var nodeAtomIndex: [Int32]
    var nodeMultiplicity: [Int32]
    var nodeAtomicNumber: [UInt8]
    var edgeSrc: [Int32]
    var edgeDst: [Int32]
    /// Lattice translations, [edges × 3].
    var edgeImage: [Int32]
    var edgeDistance: [Double]
    /// Centre-to-neighbour vectors, [edges × 3], Å; empty when not stored.
    var edgeVector: [Double]
    var tripletEdgeA: [Int32]
    var tripletEdgeB: [Int32]
    var tripletAngle: [Double]

    var nodeCount: Int { nodeAtomIndex.count }
    var edgeCount: Int { edgeSrc.count }
    var tripletCount: Int { tripletEdgeA.count }

    /// The layout of `graph`, the graph of crystal `id`; edge vectors only with `vectors`.
    init(_ graph: CrystalGraph, id: String, vectors: Bool) {
        self.id = id
        spaceGroupNumber = graph.spaceGroupNumber
        spaceGroupSymbol = graph.spaceGroupSymbol
        note = graph.note
        nodeAtomIndex = graph.nodeAtomIndex
        nodeMultiplicity = graph.nodeMultiplicity
        nodeAtomicNumber = graph.nodeAtomicNumber
        edgeSrc = graph.edgeSrc
        edgeDst = graph.edgeDst
        edgeImage = []
        edgeImage.reserveCapacity(3 * graph.edgeCount)
        for image in graph.edgeImage {
            edgeImage.append(image.x)
            edgeImage.append(image.y)
            edgeImage.append(image.z)
        }
        edgeDistance = graph.edgeDistance
        edgeVector = []
        edgeVector.reserveCapacity(vectors ? 3 * graph.edgeCount : 0)
        for vector in graph.edgeVector where vectors {
            edgeVector.append(vector.x)
            edgeVector.append(vector.y)
            edgeVector.append(vector.z)
        }
        tripletEdgeA = graph.tripletEdgeA
        tripletEdgeB = graph.tripletEdgeB
        tripletAngle = graph.tripletAngle
    }
}
