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
        let set = try GraphSet(root: root, nodePtr: nodePtr, edgePtr: edgePtr, range: range)
        var unreadable: [Int: String] = [:]
        for k in 0..<set.count {
            if let z = set.uncoveredElement(of: k, features: features) {
                unreadable[range.lowerBound + k] = "no CGCNN atom features for Z = \(z); prediction left NaN"
            }
        }
        return (range, set.batch(Array(0..<set.count), features: features), unreadable)
    }
}
