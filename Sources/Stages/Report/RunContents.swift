import Foundation
import Store

/// Everything the report shows, read from a run directory: each stage's output, or nil when that stage has
/// not run.
struct RunContents {
    var directory: String
    var crystals: CrystalsSummary?
    var graphs: GraphsSummary?
    /// Trained models (`models/*.h5`), by name.
    var models: [ModelSummary] = []
    /// Files of `models/` that hold something other than a trained model (a pretrained encoder), by name.
    var otherModels: [String] = []
    var predictions: PredictionsSummary?
    var embeddings: EmbeddingsSummary?
    var ranking: RankingTable?

    /// Reads the outputs present in `directory`; `*.partial` files are ignored.
    ///
    /// - Throws: `StageError.missingInput` when the directory does not exist; `StoreError` (naming the file)
    ///   when an output present cannot be read or has an unknown encoding or version.
    init(directory: String) throws {
        self.directory = directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw StageError.missingInput(directory, makeWith: "ingest") }
        func path(_ name: String) -> String? {
            let path = (directory as NSString).appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        crystals = try path("crystals.h5").map { try CrystalsSummary(path: $0) }
        graphs = try path("graphs.h5").map { try GraphsSummary(path: $0) }
        predictions = try path("predictions.h5").map { try PredictionsSummary(path: $0) }
        ranking = try path("ranking.h5").map { try RankingTable(path: $0) }
        embeddings = try path("embeddings.h5").map { try EmbeddingsSummary(path: $0) }
        if let folder = path("models") {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in names.sorted() where file.hasSuffix(".h5") {
                let modelPath = (folder as NSString).appendingPathComponent(file)
                let name = String(file.dropLast(3))
                let root = try StoreFile.open(modelPath).root
                if root.hasAttribute("encoding_type"), try root.stringAttribute("encoding_type") != "model" {
                    otherModels.append(name)
                    continue
                }
                models.append(try ModelSummary(name: name, path: modelPath))
            }
        }
    }

    /// The model file named `name`, if one was read.
    func model(named name: String) -> ModelSummary? { models.first { $0.name == name } }
}
