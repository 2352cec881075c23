import Foundation
import Graph
import Models
import Store

/// Reads `graphs.h5` in blocks of crystals as CGCNN batches, so memory holds one block, never the file.
final class GraphBatches {
    /// Crystals per batch.
    static let blockSize = 512

    let path: String
    let ids: [String]
    let parameters: GraphParameters
    private let root: StoreGroup
    private let nodePtr: [Int64]
    private let edgePtr: [Int64]
    private let features: AtomFeatures
    private var next = 0

    /// Opens the graphs file at `path` and reads its ids, offsets and builder parameters.
    init(path: String, features: AtomFeatures) throws {
        self.path = path
        self.features = features
        root = try StoreFile.open(path).root
        _ = try root.requireEncoding("graphs", supported: ["1"])
        parameters = try JSONDecoder().decode(
            GraphParameters.self, from: Data(try root.stringAttribute("parameters").utf8))
        ids = try root.readStrings("graph_id")
        nodePtr = try root.read("node_ptr", as: Int64.self).values
        edgePtr = try root.read("edge_ptr", as: Int64.self).values
    }

    /// The next block of crystals as a batch, with its crystal range and, for each crystal the model cannot
    /// read (an element without atom features), the reason; nil after the last.
    ///
    /// Such a crystal still takes its place in the batch (crystals do not interact in evaluation), with its
    /// unknown atoms given hydrogen's features; the caller discards its prediction.
    func nextBatch() throws -> (range: Range<Int>, batch: CGCNN.Batch, unreadable: [Int: String])? {
        guard next < ids.count else { return nil }
        let range = next..<min(ids.count, next + Self.blockSize)
        next = range.upperBound
        let nodes = Int(nodePtr[range.lowerBound])..<Int(nodePtr[range.upperBound])
        let edges = Int(edgePtr[range.lowerBound])..<Int(edgePtr[range.upperBound])
        var numbers = try root.dataset("node_atomic_number").read(rows: nodes, as: UInt8.self).values
        var unreadable: [Int: String] = [:]
        for crystal in range {
            let atoms = (Int(nodePtr[crystal]) - nodes.lowerBound)..<(Int(nodePtr[crystal + 1]) - nodes.lowerBound)
            guard let missing = atoms.lazy.map({ numbers[$0] }).first(where: { !self.features.covers($0) }) else {
                continue
            }
            unreadable[crystal] = "no CGCNN atom features for Z = \(missing); prediction left NaN"
            for atom in atoms where !features.covers(numbers[atom]) { numbers[atom] = 1 }
        }
        let src = try root.dataset("edge_src").read(rows: edges, as: Int32.self).values
        let dst = try root.dataset("edge_dst").read(rows: edges, as: Int32.self).values
        let distances = try root.dataset("edge_distance").read(rows: edges, as: Double.self).values
        // Indices are local to each crystal: shift them to the batch, and count each atom's edges.
        var batchSrc = [Int32](repeating: 0, count: edges.count)
        var batchDst = [Int32](repeating: 0, count: edges.count)
        var perAtom = [Int](repeating: 0, count: nodes.count)
        for crystal in range {
            let base = Int32(Int(nodePtr[crystal]) - nodes.lowerBound)
            for e in (Int(edgePtr[crystal]) - edges.lowerBound)..<(Int(edgePtr[crystal + 1]) - edges.lowerBound) {
                batchSrc[e] = src[e] + base
                batchDst[e] = dst[e] + base
                perAtom[Int(batchDst[e])] += 1
            }
        }
        var edgeOffsets = [0]
        for count in perAtom { edgeOffsets.append(edgeOffsets[edgeOffsets.count - 1] + count) }
        let crystalOffsets = range.map { Int(nodePtr[$0]) - nodes.lowerBound } + [nodes.count]
        let batch = CGCNN.Batch(
            atomFeatures: try features.features(numbers), edgeSrc: batchSrc, edgeDst: batchDst,
            edgeOffsets: edgeOffsets, edgeDistance: distances, crystalOffsets: crystalOffsets)
        return (range, batch, unreadable)
    }
}
