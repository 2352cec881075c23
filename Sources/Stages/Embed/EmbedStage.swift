import Foundation
import Models
import Pipeline
import Store
import Tensor

/// The embed stage: every crystal's embedding by an encoder, into `embeddings.h5` (docs/store-format.md §11).
///
/// For each chosen layer, atom features are pooled per crystal by mean and by sum; several layers are
/// concatenated (the "range" of the embedding: layer l sees atoms l bonds away; Kong and others, 2024). With
/// `atoms`, the per-atom features are kept too.
struct EmbedStage {
    struct Summary: Sendable {
        var crystals = 0
        var width = 0
        var seconds = 0.0
        var output = ""
    }

    let encoderName: String
    /// Layer indices, 0 (the embedding) … convolutions; empty means the last.
    let layers: [Int]
    let atoms: Bool
    let context: StageContext

    init(encoder: String, layers: [Int], atoms: Bool, options: StageOptions, shard: Shard? = nil) throws {
        encoderName = encoder
        self.layers = layers
        self.atoms = atoms
        context = try StageContext(label: "embed", options: options, shard: shard)
    }

    func run() throws -> Summary {
        let started = Date()
        let directory = context.directory
        let graphsPath = directory.file("graphs.h5")
        guard FileManager.default.fileExists(atPath: graphsPath) else {
            throw StageError.missingInput(graphsPath, makeWith: "graph")
        }
        let encoder = try FrozenEncoder(named: encoderName, directory: directory)
        let convolutions = encoder.network.convolutions
        let chosen = layers.isEmpty ? [convolutions] : layers
        try encoder.check(layers: chosen, file: directory.file("models/\(encoderName).h5"))
        let reader = try GraphBatches(path: graphsPath) { context.range(of: $0, block: GraphBatches.blockSize) }
        let encoderPath = directory.file("models/\(encoderName).h5")
        try encoder.check(graphs: reader.parameters, file: encoderPath)
        let outputPath = try context.outputPath("embeddings.h5")
        let width = encoder.network.width * chosen.count
        var mean: [Float] = []
        var sum: [Float] = []
        var atomValues: [Float] = []
        var nodePtr: [Int64] = [0]
        var unreadable = 0
        try Parallelism.$threads.withValue(context.options.jobs) {
            while let block = try reader.nextBlock() {
                let batch = block.batch(Array(0..<block.count), features: encoder.features)
                for k in 0..<block.count where block.uncoveredElement(of: k, features: encoder.features) != nil {
                    unreadable += 1
                }
                let joined = encoder.atomEmbedding(batch, layers: chosen)
                mean += joined.segmentMean(offsets: batch.crystalOffsets).values
                sum += joined.segmentSum(offsets: batch.crystalOffsets).values
                if atoms {
                    atomValues += joined.values
                    for k in 0..<block.count {
                        nodePtr.append(
                            nodePtr[nodePtr.count - 1] + Int64(batch.crystalOffsets[k + 1] - batch.crystalOffsets[k]))
                    }
                }
                context.progress.advance(by: block.count)
            }
        }
        if unreadable > 0 {
            context.report("xtal-embed: \(unreadable) crystals have an element without atom features (read as H)")
        }

        let ids = Array(reader.ids[reader.rows])
        let count = ids.count
        let output = try AtomicStoreFile(creating: outputPath)
        let root = try output.file.root
        let options = context.options.datasetOptions
        try root.setEncoding("embeddings", version: "1")
        try root.setAttribute("encoder", encoderName)
        try root.setAttribute("layers", chosen.map { Int64($0) })
        try root.write("graph_id", strings: ids, options: options)
        try root.write("graph_embedding_mean", NDArray(shape: [count, width], values: mean), options: options)
        try root.write("graph_embedding_sum", NDArray(shape: [count, width], values: sum), options: options)
        if atoms {
            try root.write("node_ptr", nodePtr, options: options)
            try root.write(
                "node_embedding", NDArray(shape: [atomValues.count / max(width, 1), width], values: atomValues),
                options: options)
        }
        try context.stampShard(root, items: reader.rows, of: reader.ids.count)
        try output.commit(
            Provenance(
                stage: "embed", parameterHash: SHA256.hex("\(encoderName)\n\(chosen)\n\(atoms)"),
                inputHashes: [
                    "graphs.h5": try SHA256.hex(fileAt: graphsPath),
                    "models/\(encoderName).h5": try SHA256.hex(fileAt: directory.file("models/\(encoderName).h5")),
                ], toolVersion: XtalVersion.current, startedAt: started))
        try context.publish("embeddings", fileName: "embeddings.h5")
        var summary = Summary()
        summary.crystals = count
        summary.width = width
        summary.seconds = Date().timeIntervalSince(started)
        summary.output = outputPath
        context.progress.finish(
            String(
                format: "embed: %d crystals × %d features (layers %@ of %@, mean and sum%@) in %.1f s → %@", count,
                width, chosen.map(String.init).joined(separator: ","), encoderName, atoms ? ", and atoms" : "",
                summary.seconds, outputPath))
        return summary
    }
}
