import Foundation
import Graph
import Store

/// Reads `graphs.h5` in blocks of crystals, so memory holds one block, never the file.
final class GraphBatches {
    /// Crystals per block.
    static let blockSize = 512

    let path: String
    let ids: [String]
    let parameters: GraphParameters
    private let root: StoreGroup
    private let nodePtr: [Int64]
    private let edgePtr: [Int64]
    private var next = 0

    /// Opens the graphs file at `path` and reads its ids, offsets and builder parameters.
    init(path: String) throws {
        self.path = path
        root = try StoreFile.open(path).root
        _ = try root.requireEncoding("graphs", supported: ["1"])
        parameters = try JSONDecoder().decode(
            GraphParameters.self, from: Data(try root.stringAttribute("parameters").utf8))
        ids = try root.readStrings("graph_id")
        nodePtr = try root.read("node_ptr", as: Int64.self).values
        edgePtr = try root.read("edge_ptr", as: Int64.self).values
    }

    /// The next block of graphs; nil after the last.
    func nextBlock() throws -> GraphSet? {
        guard next < ids.count else { return nil }
        let range = next..<min(ids.count, next + Self.blockSize)
        next = range.upperBound
        return try GraphSet(root: root, nodePtr: nodePtr, edgePtr: edgePtr, range: range)
    }
}
