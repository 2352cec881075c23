import Store

/// What the report reads from `graphs.h5` (docs/store-format.md §6): how many graphs and edges, and how
/// they were built.
struct GraphsSummary {
    var graphs: Int
    var edges: Int
    /// The builder's method (`radius`, `knn`, `min-image`).
    var method: String

    /// Reads the CSR offsets of `path`.
    ///
    /// - Throws: `StoreError` when the file is of another encoding or version, or its offsets are inconsistent.
    init(path: String) throws {
        let root = try StoreFile.open(path).root
        try root.requireEncoding("graphs", supported: ["1"])
        let nodePtr = try root.dataset("node_ptr").shape()
        let edgePtr = try root.read("edge_ptr", as: Int64.self).values
        guard edgePtr.count == nodePtr.first, let last = edgePtr.last else {
            throw StoreError.corrupt(
                file: path, object: "/edge_ptr", reason: "\(edgePtr.count) offsets, node_ptr has \(nodePtr)")
        }
        graphs = edgePtr.count - 1
        edges = Int(last)
        method = root.hasAttribute("method") ? try root.stringAttribute("method") : ""
    }
}
