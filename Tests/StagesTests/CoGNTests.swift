import Crystal
import Foundation
import Graph
import Models
import Pipeline
import Store
import Testing
import _TestSupport

@testable import Stages

/// coGN and coNGN: the same crystal output on full-cell and asymmetric-unit graphs, and end to end through
/// `xtal-train` and `xtal-predict`.
@Suite struct CoGNTests {
    static func element(_ symbol: String) -> Element {
        guard let element = Element(symbol: symbol) else { fatalError("not an element: \(symbol)") }
        return element
    }

    static func crystal(
        _ id: String, _ lengths: SIMD3<Double>, _ angles: SIMD3<Double>, _ sites: [(String, SIMD3<Double>)]
    ) -> Crystal {
        Crystal(
            id: id, lattice: Lattice(lengths: lengths, anglesInDegrees: angles),
            sites: sites.map { Site(element($0.0), $0.1) })
    }

    /// Crystals of five space groups, each with symmetry-equivalent atoms.
    static let crystals: [Crystal] = {
        let cube = SIMD3<Double>(repeating: 90)
        let fcc: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0, 0.5, 0.5), SIMD3(0.5, 0, 0.5), SIMD3(0.5, 0.5, 0)]
        let u = 0.3048
        let z = 0.382
        return [
            // Rock salt, Fm-3m (225).
            crystal(
                "NaCl", SIMD3(repeating: 5.64), cube,
                fcc.map { ("Na", $0) } + fcc.map { ("Cl", $0 + SIMD3(0.5, 0, 0)) }),
            // Cubic perovskite, Pm-3m (221).
            crystal(
                "SrTiO3", SIMD3(repeating: 3.905), cube,
                [
                    ("Sr", .zero), ("Ti", SIMD3(repeating: 0.5)), ("O", SIMD3(0.5, 0.5, 0)), ("O", SIMD3(0.5, 0, 0.5)),
                    ("O", SIMD3(0, 0.5, 0.5)),
                ]),
            // bcc Mo, conventional cell, Im-3m (229).
            crystal("Mo", SIMD3(repeating: 3.147), cube, [("Mo", .zero), ("Mo", SIMD3(repeating: 0.5))]),
            // Rutile TiO2, P4_2/mnm (136).
            crystal(
                "TiO2", SIMD3(4.594, 4.594, 2.959), cube,
                [
                    ("Ti", .zero), ("Ti", SIMD3(0.5, 0.5, 0.5)), ("O", SIMD3(u, u, 0)), ("O", SIMD3(1 - u, 1 - u, 0)),
                    ("O", SIMD3(0.5 + u, 0.5 - u, 0.5)), ("O", SIMD3(0.5 - u, 0.5 + u, 0.5)),
                ]),
            // Wurtzite ZnO, P6_3mc (186).
            crystal(
                "ZnO", SIMD3(3.25, 3.25, 5.207), SIMD3(90, 90, 120),
                [
                    ("Zn", SIMD3(1.0 / 3, 2.0 / 3, 0)), ("Zn", SIMD3(2.0 / 3, 1.0 / 3, 0.5)),
                    ("O", SIMD3(1.0 / 3, 2.0 / 3, z)), ("O", SIMD3(2.0 / 3, 1.0 / 3, 0.5 + z)),
                ]),
        ]
    }()

    static func batch(_ crystal: Crystal, asymmetricUnit: Bool, lineGraph: Bool) -> (GraphBatch, CrystalGraph) {
        let parameters = GraphParameters(method: .knn, k: 12, asymmetricUnit: asymmetricUnit, lineGraph: lineGraph)
        let graph = buildGraph(for: crystal, parameters: parameters)
        return (GraphSet(graphs: [graph]).batch([0], features: .elementProperties()), graph)
    }

    /// The paper's claim that makes asymmetric units worth having: every atom of an orbit has the same
    /// features at every layer, so the representatives with their multiplicities give the full cell's mean.
    @Test(arguments: ["cogn", "congn"])
    func fullCellAndAsymmetricUnitGiveTheSameOutput(model: String) throws {
        var configuration = model == "cogn" ? CoGN.Configuration.cogn() : .congn()
        configuration.width = 24
        configuration.headHidden = configuration.headHidden.map { _ in 24 }
        configuration.blocks = 3
        configuration.heads = [CGCNN.Head(outputs: 2)]
        let network = CoGN(configuration)
        let parameters = network.initialize(seed: 7)
        for crystal in Self.crystals {
            let nested = configuration.nested != nil
            let (full, fullGraph) = Self.batch(crystal, asymmetricUnit: false, lineGraph: nested)
            let (asymmetric, graph) = Self.batch(crystal, asymmetricUnit: true, lineGraph: nested)
            #expect(graph.nodeCount < fullGraph.nodeCount && graph.note.isEmpty, "\(crystal.id): \(graph.note)")
            #expect(asymmetric.nodeMultiplicity.reduce(0, +) == Float(crystal.sites.count))
            let expected = network(full, parameters)[0].values
            let actual = network(asymmetric, parameters)[0].values
            let scale = expected.map(abs).max() ?? 1
            for (a, b) in zip(actual, expected) {
                #expect(abs(a - b) <= 1e-4 * max(scale, 1), "\(crystal.id) (\(graph.spaceGroupSymbol)): \(a) vs \(b)")
            }
        }
    }

    /// The multiplicity-weighted mean of a per-node value over the asymmetric unit is the full cell's mean.
    @Test func crystalMeanWeighsByMultiplicity() {
        for crystal in Self.crystals {
            let (full, _) = Self.batch(crystal, asymmetricUnit: false, lineGraph: false)
            let (asymmetric, _) = Self.batch(crystal, asymmetricUnit: true, lineGraph: false)
            let mean = full.crystalMean(full.atomFeatures).values
            let weighted = asymmetric.crystalMean(asymmetric.atomFeatures).values
            for (a, b) in zip(weighted, mean) { #expect(abs(a - b) < 1e-5, "\(crystal.id)") }
            let sum = asymmetric.crystalSum(asymmetric.atomFeatures).values
            for (a, b) in zip(sum, full.crystalSum(full.atomFeatures).values) { #expect(abs(a - b) < 1e-4) }
        }
    }

    @Test func elementPropertiesAreKgcnnsPubChemTable() throws {
        let table = AtomFeatures.elementProperties()
        #expect(table.width == 18)
        let rows = table.rows
        #expect(rows.atomicNumbers == Array(1...118))
        for column in 0..<4 {
            let values = rows.rows.map { Double($0[column]) }
            #expect(abs(values.reduce(0, +) / Double(values.count)) < 1e-6, "column \(column)")
        }
        // Mass, radius, electronegativity and ionisation energy as kgcnn 3.1.0's PeriodicTable gives them from its
        // periodic_table.csv (imputed, then standardised; computed in Python from that file): H, He (no
        // electronegativity: 1.18 imputed), Fe, O and Nh (no radius, electronegativity or ionisation energy).
        let expected: [(z: UInt8, values: [Float])] = [
            (1, [-1.621194, -2.534474, 0.942763, 1.805195]), (2, [-1.587835, -1.967883, -0.728631, 5.347333]),
            (26, [-1.010377, -0.438086, 0.336473, -0.030824]), (8, [-1.454198, -1.627928, 2.974653, 1.811642]),
            (113, [1.555584, -0.00011, -0.728631, 0.000765]),
        ]
        for (z, values) in expected {
            let row = try table.features([z]).values
            for (a, b) in zip(row.prefix(4), values) { #expect(abs(a - b) < 1e-5, "Z = \(z)") }
        }
        // The states PubChem lists: Fe +2 and +3, O −2, He 0, N all eight from −3 to +5 but 0, Mt up to +9.
        let states: [(z: UInt8, states: [Int])] = [
            (26, [2, 3]), (8, [-2]), (2, [0]), (7, [-3, -2, -1, 1, 2, 3, 4, 5]), (109, [1, 3, 4, 6, 8, 9]),
        ]
        for (z, listed) in states {
            let row = try table.features([z]).values
            #expect(
                Array(row[4...]).enumerated().filter { $0.element == 1 }.map { $0.offset - 4 } == listed, "Z = \(z)")
        }
    }

    static func regraph(_ dir: TemporaryDirectory, _ arguments: [String]) throws {
        let graph = try GraphCommand.parse(["--store", dir.path, "--quiet", "--force"] + arguments)
        _ = try GraphStage(parameters: try #require(graph.parameters), options: graph.common).run()
    }

    /// Both train through `xtal-train` on asymmetric-unit graphs with the paper's defaults, save, and predict
    /// what training measured; coNGN refuses graphs without a line graph.
    @Test func trainAndPredictOnAsymmetricUnitGraphs() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 24)
        try Self.regraph(dir, ["--method", "knn", "--k", "6", "--asymmetric-unit"])
        #expect(throws: StageError.self) {
            try TrainStageTests.train(dir, ["--model", "congn", "--targets", "a", "--epochs", "1"])
        }
        try Self.regraph(dir, ["--method", "knn", "--k", "6", "--asymmetric-unit", "--line-graph"])
        let graphs = try StoreGraphs(directory: try RunDirectory(dir.path)).graphs
        #expect(graphs.tripletPtr != nil)
        for model in ["cogn", "congn"] {
            let summary = try TrainStageTests.train(dir, ["--model", model, "--targets", "a,b", "--epochs", "2"])
            let trained = try TrainedModel(path: dir.file("models/\(model).h5"))
            guard case .graphNetwork(let configuration) = trained.network else {
                Issue.record("\(model): not a graph network: \(trained.network.architecture)")
                continue
            }
            #expect(configuration.name == model && configuration.width == 8 && configuration.blocks == 1)
            let parameters = try CanonicalJSON.decode(TrainParameters.self, from: trained.training)
            #expect(parameters.loss == "l1" && parameters.batchSize == 8 && parameters.learningRate == 5e-4)
            #expect(summary.testMetrics["mae:a"]?.isFinite == true)
            let predict = try PredictCommand.parse(["--store", dir.path, "--quiet", "--model", model, "--force"])
            _ = try PredictStage(models: [model], publishedDirectory: "", options: predict.common).run()
            let stored = try StoreFile.open(dir.file("predictions.h5")).root.group("\(model)/b").read(
                "mean", as: Double.self
            ).values
            let direct = trained.predict(member: 0, graphs.batch(Array(0..<graphs.count), features: trained.features))
            #expect(zip(direct[1], stored).allSatisfy { abs($0 - $1) < 1e-5 }, "\(direct[1].prefix(3)) vs \(stored)")
        }
        // Without the line graph, coNGN is refused with a reason, not run.
        try Self.regraph(dir, ["--method", "knn", "--k", "6", "--asymmetric-unit"])
        let predict = try PredictCommand.parse(["--store", dir.path, "--quiet", "--force", "--model", "congn"])
        let error = #expect(throws: StageError.self) {
            try PredictStage(models: ["congn"], publishedDirectory: "", options: predict.common).run()
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("line graph"))
    }
}

extension CoGNTests {
    /// The same seed gives bit-identical coNGN weights with one thread and with two.
    @Test func trainingDoesNotDependOnThreads() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 24)
        try Self.regraph(dir, ["--method", "knn", "--k", "6", "--asymmetric-unit", "--line-graph"])
        for jobs in ["1", "2"] {
            try TrainStageTests.train(
                dir,
                [
                    "--model", "congn", "--targets", "a", "--epochs", "2", "--width", "32", "--name", "jobs\(jobs)",
                    "--jobs", jobs,
                ])
        }
        let one = try TrainedModel(path: dir.file("models/jobs1.h5")).members[0].parameters
        let two = try TrainedModel(path: dir.file("models/jobs2.h5")).members[0].parameters
        for name in one.names { #expect(one[name].values == two[name].values, "\(name)") }
    }
}

/// coGN and coNGN as encoders: pretrained with a NEGNN pretext, then fine-tuned, or read frozen by a head.
@Suite struct CoGNPretrainingTests {
    @Test func anEncoderPretrainedOnAnotherElementTableIsRefused() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 12)
        try CoGNTests.regraph(dir, ["--method", "knn", "--k", "6"])
        _ = try NEGNNStageTests.pretrain(
            dir, ["--method", "negnn-predictive", "--encoder", "cogn", "--epochs", "1", "--name", "ssl"])
        // The same width, other values: as an encoder saved by an xtal with another version of the table.
        let table = AtomFeatures.elementProperties()
        var rows = table.rows.rows
        rows[25][0] += 1
        let file = try StoreFile.open(dir.file("models/ssl.h5"), writable: true)
        try file.root.remove("atom_features")
        try file.root.remove("atom_features_z")
        try AtomFeatures(atomicNumbers: table.rows.atomicNumbers, rows: rows).write(
            to: file.root, options: DatasetOptions())
        let error = #expect(throws: StageError.self) {
            try TrainStageTests.train(
                dir,
                ["--model", "cogn", "--init", "ssl", "--targets", "a", "--epochs", "1", "--convolutions", "2"])
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("element-property table"))
    }

    @Test(arguments: [("negnn-predictive", "cogn"), ("negnn-contrastive", "congn")])
    func pretrainedEncodersStartAndFeedModels(method: String, encoder: String) throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 24)
        try CoGNTests.regraph(dir, ["--method", "knn", "--k", "6", "--line-graph"])
        let summary = try NEGNNStageTests.pretrain(
            dir, ["--method", method, "--encoder", encoder, "--epochs", "2", "--name", "ssl"])
        #expect(summary.history.loss.count == 2 && summary.history.loss.allSatisfy(\.isFinite))
        let pretrained = try PretrainedEncoder(path: dir.file("models/ssl.h5"))
        guard case .graphNetwork(let configuration) = pretrained.configuration.encoder else {
            Issue.record("not a graph-network encoder: \(pretrained.configuration.encoder)")
            return
        }
        #expect(configuration.name == encoder && configuration.width == 8 && configuration.blocks == 2)
        #expect(pretrained.features.width == AtomFeatures.elementProperties().width)

        // Fine-tuning starts from the pretrained weights: after 0 updates of a frozen encoder they are unchanged.
        try TrainStageTests.train(
            dir,
            [
                "--model", encoder, "--init", "ssl", "--targets", "a", "--epochs", "1", "--convolutions", "2",
                "--freeze-encoder", "1", "--name", "tuned",
            ])
        let tuned = try TrainedModel(path: dir.file("models/tuned.h5"))
        for name in pretrained.weights.names where tuned.members[0].parameters.contains(name) {
            #expect(tuned.members[0].parameters[name].values == pretrained.weights[name].values, "\(name)")
        }
        #expect(tuned.members[0].parameters.contains("heads.0.head.0.weight"))
        // A head reads the frozen encoder's crystal embeddings.
        let head = try TrainStageTests.train(
            dir, ["--model", "head", "--init", "ssl", "--targets", "a", "--epochs", "2", "--name", "head"])
        #expect(head.testMetrics["mae:a"]?.isFinite == true)
        // Another width is refused, naming the encoder file.
        #expect(throws: StageError.self) {
            try TrainStageTests.train(
                dir, ["--model", encoder, "--init", "ssl", "--targets", "a", "--epochs", "1", "--width", "16"])
        }
    }
}
