import Foundation
import Graph
import Store

/// Reads `graphs.h5` in blocks of crystals, so memory holds one block, never the file.
final class GraphBatches {
    /// Crystals per block: enough rows for efficient matrix products, and the unit shards split (the same
    /// blocks sharded or not, so the same numbers).
    static let blockSize = 256

    let path: String
    let ids: [String]
    let parameters: GraphParameters
    private let root: StoreGroup
    private let nodePtr: [Int64]
    private let edgePtr: [Int64]
    /// The graphs `nextBlock()` goes through (a shard's range, or all).
    let rows: Range<Int>
    private var next: Int

    /// Opens the graphs file at `path` and reads its ids, offsets and builder parameters; `nextBlock()` will
    /// read graphs `rows(count)` (default: all).
    init(path: String, rows: ((Int) -> Range<Int>)? = nil) throws {
        self.path = path
        root = try StoreFile.open(path).root
        _ = try root.requireEncoding("graphs", supported: ["1"])
        parameters = try JSONDecoder().decode(
            GraphParameters.self, from: Data(try root.stringAttribute("parameters").utf8))
        ids = try root.readStrings("graph_id")
        nodePtr = try root.read("node_ptr", as: Int64.self).values
        edgePtr = try root.read("edge_ptr", as: Int64.self).values
        self.rows = rows?(ids.count) ?? 0..<ids.count
        next = self.rows.lowerBound
    }

    /// The next block of graphs; nil after the last.
    func nextBlock() throws -> GraphSet? {
        guard next < rows.upperBound else { return nil }
        let range = next..<min(rows.upperBound, next + Self.blockSize)
        next = range.upperBound
        return try GraphSet(root: root, nodePtr: nodePtr, edgePtr: edgePtr, range: range)
    }
}
