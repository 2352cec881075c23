import Foundation
import Store
import Testing
import _TestSupport

@testable import Stages

/// `xtal-embed` on small synthetic crystals: pooled and per-atom embeddings agree, several layers
/// concatenate, any encoder kind, any thread count.
@Suite struct EmbedStageTests {
    static func embed(_ dir: TemporaryDirectory, _ arguments: [String]) throws -> EmbedStage.Summary {
        let command = try EmbedCommand.parse(["--store", dir.path, "--quiet", "--force"] + arguments)
        return try EmbedStage(
            encoder: command.encoder, layers: command.layerList ?? [], atoms: command.atoms, options: command.common
        ).run()
    }

    @Test func poolsAtomEmbeddingsOfChosenLayersForEitherEncoderKind() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 20)
        try PretrainStageTests.pretrain(dir, ["--epochs", "1"])
        let summary = try Self.embed(dir, ["--encoder", "dssl", "--layers", "0,1", "--atoms", "--jobs", "1"])
        #expect(summary.crystals == 20 && summary.width == 16)
        let root = try StoreFile.open(dir.file("embeddings.h5")).root
        _ = try root.requireEncoding("embeddings", supported: ["1"])
        let mean = try root.read("graph_embedding_mean", as: Float.self)
        let sum = try root.read("graph_embedding_sum", as: Float.self).values
        let atoms = try root.read("node_embedding", as: Float.self).values
        let ptr = try root.read("node_ptr", as: Int64.self).values.map { Int($0) }
        #expect(mean.shape == [20, 16] && ptr.count == 21)
        for k in [0, 7, 19] {
            for f in 0..<16 {
                let column = (ptr[k]..<ptr[k + 1]).map { atoms[$0 * 16 + f] }
                #expect(abs(column.reduce(0, +) - sum[k * 16 + f]) < 1e-5)
                #expect(abs(column.reduce(0, +) / Float(column.count) - mean.values[k * 16 + f]) < 1e-5)
            }
        }
        // The same with two threads, bit for bit.
        _ = try Self.embed(dir, ["--encoder", "dssl", "--layers", "0,1", "--atoms", "--jobs", "2"])
        #expect(
            try StoreFile.open(dir.file("embeddings.h5")).root.read("node_embedding", as: Float.self).values == atoms)

        // A trained model's encoder; the default layer is the last.
        try TrainStageTests.train(dir, ["--targets", "a", "--epochs", "1"])
        #expect(try Self.embed(dir, ["--encoder", "mt-cgcnn"]).width == 8)
        #expect(throws: StageError.self) { try Self.embed(dir, ["--encoder", "dssl", "--layers", "2"]) }
        #expect(throws: StageError.self) { try Self.embed(dir, ["--encoder", "nothing"]) }
        #expect(throws: (any Error).self) {
            try EmbedCommand.parse(["--store", "x", "--encoder", "e", "--layers", "1,x"])
        }
    }
}
