import Foundation
import Models
import NN
import Store
import Tensor
import Testing
import _TestSupport

@testable import Stages

/// NEGNN end to end on small synthetic crystals: both pretexts write encoders that do not depend on threads;
/// NEGNN and head models train on a frozen encoder, keep it unchanged inside their file, and predict.
@Suite struct NEGNNStageTests {
    static let tiny = ["--width", "8", "--convolutions", "2", "--batch-size", "8"]

    @discardableResult
    static func pretrain(_ dir: TemporaryDirectory, _ arguments: [String]) throws -> PretrainStage.Summary {
        let command = try PretrainCommand.parse(
            ["--store", dir.path, "--quiet", "--atom-features", TrainStageTests.atomFeatures] + tiny + arguments)
        return try PretrainStage(
            name: command.name ?? command.method, parameters: command.parameters,
            atomFeaturesPath: TrainStageTests.atomFeatures, options: command.common
        ).run()
    }

    @Test(arguments: ["negnn-predictive", "negnn-contrastive"])
    func pretextsWriteEncodersThatDoNotDependOnThreads(method: String) throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 16)
        let summary = try Self.pretrain(dir, ["--method", method, "--epochs", "2", "--jobs", "1", "--name", "one"])
        try Self.pretrain(dir, ["--method", method, "--epochs", "2", "--jobs", "2", "--name", "two"])
        #expect(summary.history.loss.count == 2 && summary.history.loss.allSatisfy(\.isFinite))
        let expected: Set<String> = method == "negnn-predictive" ? ["group", "period", "bond"] : ["contrast"]
        #expect(Set(summary.history.terms.keys) == expected)
        let one = try PretrainedEncoder(path: dir.file("models/one.h5"))
        let two = try PretrainedEncoder(path: dir.file("models/two.h5"))
        #expect(one.history.loss == summary.history.loss)
        for name in one.weights.names { #expect(one.weights[name].values == two.weights[name].values, "\(name)") }
        guard case .negnn(let encoder) = one.configuration.encoder else {
            Issue.record("not a NEGNN encoder: \(one.configuration)")
            return
        }
        #expect(encoder.width == 8 && encoder.convolutions == 2 && encoder.atomFeatures == 92)
        let head = method == "negnn-predictive" ? "atom_head.weight" : "projection.1.weight"
        #expect(one.weights.names.contains(head))
    }

    /// NEGNN and head models read through the frozen encoder: its weights come out of training unchanged, the
    /// model file holds them, and xtal-predict's numbers are the model's.
    @Test func negnnAndHeadModelsTrainOnTheFrozenEncoderAndPredict() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 32)
        try Self.pretrain(dir, ["--method", "negnn-predictive", "--epochs", "1", "--name", "ssl"])
        let pretrained = try PretrainedEncoder(path: dir.file("models/ssl.h5"))
        let common = ["--targets", "a", "--epochs", "3", "--init", "ssl"]
        try TrainStageTests.train(dir, common + ["--model", "negnn", "--name", "negnn", "--encoder-layers", "0,2"])
        try TrainStageTests.train(dir, common + ["--model", "head", "--name", "mlp"])
        let ridge = try TrainStageTests.train(
            dir, ["--targets", "a", "--init", "ssl", "--model", "head", "--head", "ridge", "--name", "ridge"])
        #expect(ridge.testMetrics["mae:a"]?.isFinite == true)

        let negnn = try TrainedModel(path: dir.file("models/negnn.h5"))
        guard case .negnn(let configuration, let encoder, let layers) = negnn.network else {
            Issue.record("not a NEGNN model")
            return
        }
        #expect(layers == [0, 2] && configuration.atomFeatures == 16)
        for name in encoder.weights.names {
            #expect(encoder.weights[name].values == pretrained.weights[name].values, "\(name)")
        }
        #expect(!encoder.weights.names.contains("atom_head.weight"))
        let head = try TrainedModel(path: dir.file("models/ridge.h5"))
        guard case .head(let headConfiguration, _, let headLayers) = head.network else {
            Issue.record("not a head model")
            return
        }
        // Layers 0 and 1 by default (the reference's); mean and sum of each.
        #expect(headLayers == [0, 1] && headConfiguration.inputs == 2 * 8 * 2 && headConfiguration.hidden == 0)
        #expect(head.members[0].history.validationMetrics["ridge_alpha"] == RidgeFit.alphas)

        let predict = try PredictCommand.parse(["--store", dir.path, "--quiet", "--model", "negnn"])
        _ = try PredictStage(models: ["negnn", "mlp", "ridge"], publishedDirectory: "", options: predict.common).run()
        let predictions = try StoreFile.open(dir.file("predictions.h5")).root
        let graphs = try StoreGraphs(directory: try RunDirectory(dir.path)).graphs
        let batch = graphs.batch(Array(0..<graphs.count), features: negnn.features)
        let direct = negnn.predict(member: 0, batch)[0]
        let stored = try predictions.group("negnn/a").read("mean", as: Double.self).values
        #expect(zip(direct, stored).allSatisfy { abs($0 - $1) < 1e-5 }, "\(direct.prefix(3)) vs \(stored.prefix(3))")
        // Training reads the encoder's output cached once; it is what the encoder gives batch by batch.
        let inputs = NetworkInputs(network: negnn.network, graphs: graphs, features: negnn.features)
        let member = negnn.members[0]
        var scratch = member.buffers
        let cached = inputs.outputs(Array(0..<graphs.count), member.parameters, buffers: &scratch, training: false)
        let fresh = negnn.network.outputs(
            negnn.network.input(batch), member.parameters, buffers: &scratch, training: false)
        #expect(zip(cached[0].values, fresh[0].values).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(try predictions.group("ridge/a").read("mean", as: Double.self).values.allSatisfy(\.isFinite))
    }

    @Test func frozenEncoderChoicesAreChecked() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 16)
        try Self.pretrain(dir, ["--method", "negnn-predictive", "--epochs", "1", "--name", "ssl"])
        // A NEGNN encoder cannot start an MT-CGCNN; a layer it lacks is named; negnn needs --init.
        #expect(throws: StageError.self) { try TrainStageTests.train(dir, ["--targets", "a", "--init", "ssl"]) }
        #expect(throws: StageError.self) {
            try TrainStageTests.train(
                dir, ["--targets", "a", "--init", "ssl", "--model", "negnn", "--encoder-layers", "3"])
        }
        #expect(throws: (any Error).self) {
            try TrainCommand.parse(["--store", "x", "--targets", "a", "--model", "negnn"])
        }
        #expect(throws: (any Error).self) {
            try TrainCommand.parse([
                "--store", "x", "--classify", "metal", "--model", "head", "--head", "ridge", "--init", "ssl",
            ])
        }
        // A DSSL encoder serves as a frozen encoder too (its mask flag set to 0).
        try PretrainStageTests.pretrain(dir, ["--epochs", "1", "--name", "dssl"])
        try TrainStageTests.train(dir, ["--targets", "a", "--epochs", "1", "--init", "dssl", "--model", "head"])
    }
}
