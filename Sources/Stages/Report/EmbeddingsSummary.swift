import Store

/// What the report reads from `embeddings.h5` (docs/store-format.md §11): ids and the mean-pooled crystal
/// embeddings.
struct EmbeddingsSummary {
    var encoder: String
    var layers: [Int64]
    var ids: [String]
    /// [crystals × width], row-major.
    var values: [Float]
    var width: Int

    /// Reads `path`.
    ///
    /// - Throws: `StoreError` when the file is of another encoding or version, or unreadable.
    init(path: String) throws {
        let root = try StoreFile.open(path).root
        _ = try root.requireEncoding("embeddings", supported: ["1"])
        encoder = try root.stringAttribute("encoder")
        layers = try root.attributeArray("layers", as: Int64.self)
        ids = try root.readStrings("graph_id")
        let table = try root.read("graph_embedding_mean", as: Float.self)
        values = table.values
        width = table.shape.count == 2 ? table.shape[1] : 0
    }
}
