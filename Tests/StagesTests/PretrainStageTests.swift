import Crystal
import Foundation
import Models
import NN
import Store
import Tensor
import Testing
import _TestSupport

@testable import Stages

/// DSSL pretraining end to end on small synthetic crystals: the encoder file, its views, thread independence.
@Suite struct PretrainStageTests {
    static let tiny = ["--width", "8", "--convolutions", "1", "--batch-size", "8"]
    static let microTable = IngestTests.repository.appendingPathComponent("data/dssl_micro_properties.json").path

    @discardableResult
    static func pretrain(_ dir: TemporaryDirectory, _ arguments: [String]) throws -> PretrainStage.Summary {
        let command = try PretrainCommand.parse(
            ["--store", dir.path, "--quiet", "--atom-features", TrainStageTests.atomFeatures] + tiny + arguments)
        return try PretrainStage(
            name: command.name ?? "dssl", parameters: command.parameters,
            atomFeaturesPath: TrainStageTests.atomFeatures, microTablePath: microTable, options: command.common
        ).run()
    }

    @Test func writesAnEncoderThatReadsBackAndDoesNotDependOnThreads() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 24)
        let summary = try Self.pretrain(dir, ["--epochs", "2", "--jobs", "1", "--name", "one"])
        #expect(summary.crystals == 24)
        #expect(summary.history.loss.count == 2 && summary.history.loss.allSatisfy { $0.isFinite })
        try Self.pretrain(dir, ["--epochs", "2", "--jobs", "2", "--name", "two"])
        let one = try PretrainedEncoder(path: dir.file("models/one.h5"))
        let two = try PretrainedEncoder(path: dir.file("models/two.h5"))
        #expect(one.history.loss == summary.history.loss)
        guard case .dssl(let configuration) = one.configuration else {
            Issue.record("not a DSSL encoder: \(one.configuration)")
            return
        }
        #expect(configuration.encoder.atomFeatures == 93 && configuration.encoder.width == 8)
        for name in one.weights.names {
            #expect(one.weights[name].values == two.weights[name].values, "\(name)")
        }
        #expect(one.weights.names.contains("element_head.weight"))
        // store.h5 links the encoder under /models.
        #expect(try StoreFile.open(dir.file("store.h5")).root.group("models").childNames().contains("one"))
    }

    @Test func masksAndPerturbationsAreRedrawnEachEpochUnlessFixed() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 12)
        let command = try PretrainCommand.parse(["--store", dir.path, "--quiet"])
        let features = try AtomFeatures(path: TrainStageTests.atomFeatures)
        let inputs = try StoreGraphs(directory: try RunDirectory(dir.path))
        let reader = try CrystalsReader(path: dir.file("crystals.h5"), threads: 1)
        var crystals: [Crystal] = []
        while let crystal = try reader.next() { crystals.append(crystal) }
        func views(_ fixed: Bool, epoch: Int, members: [Int]) throws -> ([Int32], [Double]) {
            var parameters = command.parameters
            parameters.fixedViews = fixed
            let stage = try PretrainStage(
                name: "x", parameters: parameters, atomFeaturesPath: TrainStageTests.atomFeatures,
                options: command.common)
            let pretext = try #require(stage.pretext(features: features.width) as? DSSLPretext)
            let corpus = PretrainCorpus(
                crystals: crystals, inputs: inputs, features: features, seed: parameters.seed,
                fixedViews: fixed, threads: 1)
            let v = pretext.views(members, epoch: epoch, corpus: corpus)
            #expect(v.masked.atomFeatures.shape[1] == 93 && v.first.atomFeatures.shape[1] == 93)
            #expect(v.elements.count == v.maskedAtoms.count)
            return (v.maskedAtoms, v.first.edgeDistance)
        }
        let members = Array(0..<12)
        let a = try views(false, epoch: 0, members: members)
        #expect(try views(false, epoch: 0, members: members) == a)
        #expect(try views(false, epoch: 1, members: members) != a)
        #expect(try views(true, epoch: 1, members: members) == (try views(true, epoch: 0, members: members)))
        // Perturbed distances differ from the stored ones, by at most twice the largest displacement.
        let stored = inputs.graphs.batch(members, features: features).edgeDistance
        #expect(a.1 != stored)
        // A crystal's mask does not depend on the batch it is in: crystal 3 alone or with others.
        let alone = try views(false, epoch: 0, members: [3, 4]).0
        let within = a.0.filter { (6...7).contains(Int($0)) }.map { $0 - 6 }
        #expect(alone.filter { $0 < 2 } == within)
    }

    /// `xtal-train --init`: the encoder's weights start the model (the masking flag's embedding column
    /// dropped); while frozen they do not move; an encoder of another shape is refused with the flags to use.
    @Test func trainingStartsFromThePretrainedEncoder() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 24)
        try Self.pretrain(dir, ["--epochs", "1"])
        let encoder = try PretrainedEncoder(path: dir.file("models/dssl.h5"))
        let frozen = ["--targets", "a", "--width", "8", "--convolutions", "1", "--epochs", "2", "--init", "dssl"]
        try TrainStageTests.train(dir, frozen + ["--freeze-encoder", "2", "--name", "frozen"])
        let model = try TrainedModel(path: dir.file("models/frozen.h5"))
        let weights = model.members[0].parameters
        let embedding = encoder.weights["embedding.weight"]
        #expect(embedding.shape == [8, 93] && weights["embedding.weight"].shape == [8, 92])
        #expect(weights["embedding.weight"].values == embedding.narrow(axis: 1, range: 0..<92).values)
        for name in encoder.weights.names where name.hasPrefix("convs.") {
            #expect(weights[name].values == encoder.weights[name].values, "\(name)")
        }
        // Unfrozen, the encoder is fine-tuned.
        try TrainStageTests.train(dir, frozen + ["--name", "tuned"])
        let tuned = try TrainedModel(path: dir.file("models/tuned.h5")).members[0].parameters
        #expect(tuned["embedding.weight"].values != weights["embedding.weight"].values)
        #expect(throws: StageError.self) {
            try TrainStageTests.train(dir, ["--targets", "a", "--width", "16", "--init", "dssl", "--name", "wide"])
        }
        #expect(throws: StageError.self) { try TrainStageTests.train(dir, ["--targets", "a", "--init", "nothing"]) }
    }

    /// The micro-property pretext: the paper's weights, a head of the right size, targets from the table.
    @Test func microPropertyPretext() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 12)
        for (property, outputs) in [("valence", 17), ("stiffness", 1)] {
            let summary = try Self.pretrain(
                dir, ["--epochs", "1", "--micro-property", property, "--name", property, "--force"])
            let micro = summary.history.terms["micro"] ?? []
            #expect(micro.count == 1 && micro[0] > 0)
            let encoder = try PretrainedEncoder(path: dir.file("models/\(property).h5"))
            #expect(encoder.weights["micro_head.weight"].shape == [outputs, 8])
            guard case .dssl(let c) = encoder.configuration else {
                Issue.record("not a DSSL encoder")
                continue
            }
            #expect(c.maskWeight == 0.1 && c.contrastWeight == 1.0 && c.microWeight == 0.1)
        }
        let table = try MicroPropertyTable(path: Self.microTable)
        // Li and C from the DSSL reference's tables.
        #expect(table.target(.stiffness, of: 3) == 1.76 && table.target(.stiffness, of: 6) == 15.55)
        #expect(table.target(.valence, of: 3) == 0 && table.target(.valence, of: 6) == 3)
        #expect(table.target(.valence, of: 101) == nil)
    }

    @Test func commandLineValidation() {
        #expect(throws: (any Error).self) { try PretrainCommand.parse(["--store", "x", "--method", "negnn"]) }
        #expect(throws: (any Error).self) {
            try PretrainCommand.parse(["--store", "x", "--method", "negnn-predictive", "--micro-property", "valence"])
        }
        #expect(throws: (any Error).self) { try PretrainCommand.parse(["--store", "x", "--contrast", "triplet"]) }
        #expect(throws: (any Error).self) { try PretrainCommand.parse(["--store", "x", "--micro-property", "mass"]) }
        #expect(throws: (any Error).self) {
            try PretrainCommand.parse(["--store", "x", "--perturbation-min", "0.6", "--perturbation-max", "0.5"])
        }
    }
}
