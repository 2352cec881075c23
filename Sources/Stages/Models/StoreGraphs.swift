import Foundation
import Graph
import Store

/// The run directory's `crystals.h5` and `graphs.h5` opened together, checked to describe the same crystals in
/// the same order, with every graph in memory: what training and pretraining read.
struct StoreGraphs {
    let ids: [String]
    let graphs: GraphSet
    let graphParameters: GraphParameters
    /// The `parameters` attribute of `graphs.h5`, as stored (models keep it to refuse other graphs later).
    let graphParametersJSON: String
    /// The root of `crystals.h5`, for labels and sources.
    let crystals: StoreGroup

    /// Opens both files of `directory`.
    ///
    /// - Throws: `StageError` for missing or mismatched inputs; `StoreError` for unreadable files.
    init(directory: RunDirectory) throws {
        let crystalsPath = directory.file("crystals.h5")
        let graphsPath = directory.file("graphs.h5")
        for (path, stage) in [(crystalsPath, "ingest"), (graphsPath, "graph")]
        where !FileManager.default.fileExists(atPath: path) {
            throw StageError.missingInput(path, makeWith: stage)
        }
        crystals = try StoreFile.open(crystalsPath).root
        _ = try crystals.requireEncoding("crystals", supported: ["1"])
        let graphsRoot = try StoreFile.open(graphsPath).root
        _ = try graphsRoot.requireEncoding("graphs", supported: ["1"])
        ids = try crystals.readStrings("graph_id")
        guard try graphsRoot.readStrings("graph_id") == ids else {
            throw StageError.incompatibleInput(
                graphsPath, reason: "its crystals differ from crystals.h5; rerun xtal graph --force")
        }
        graphParametersJSON = try graphsRoot.stringAttribute("parameters")
        graphParameters = try JSONDecoder().decode(GraphParameters.self, from: Data(graphParametersJSON.utf8))
        let nodePtr = try graphsRoot.read("node_ptr", as: Int64.self).values
        let edgePtr = try graphsRoot.read("edge_ptr", as: Int64.self).values
        graphs = try GraphSet(root: graphsRoot, nodePtr: nodePtr, edgePtr: edgePtr, range: 0..<ids.count)
    }
}
