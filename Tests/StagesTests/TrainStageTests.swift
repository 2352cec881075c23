import Foundation
import Models
import Store
import Tensor
import Testing
import _TestSupport

@testable import Stages

/// Training end to end on small synthetic crystals: multitask masking, resume after SIGKILL, ensembles,
/// classification, splits.
@Suite struct TrainStageTests {
    static let atomFeatures = IngestTests.repository.appendingPathComponent("data/cgcnn/atom_init.json").path
    /// A tiny network, so that a debug build trains in a second.
    static let tiny = ["--width", "8", "--hidden", "8", "--convolutions", "1", "--batch-size", "8"]

    /// Writes the documents `makeStore` ingests to `dir/docs.json` and returns its path.
    static func writeDocuments(_ dir: TemporaryDirectory, count: Int = 48, infiniteA: Int? = nil) throws -> String {
        var generator = SeededGenerator(seed: 3)
        let cations = [("Li", 3), ("Na", 11), ("K", 19)]
        let anions = ["F", "Cl", "Br"]
        var documents: [String] = []
        for i in 0..<count {
            let a = 3.5 + 2 * Double(generator.next() % 1000) / 1000
            let (cation, z) = cations[i % 3]
            let anion = anions[(i / 3) % 3]
            let b = i % 2 == 0 ? ", \"b\": \(z)" : ""
            documents.append(
                """
                {"material_id": "x-\(i)", "a": \(i == infiniteA ? "1e400" : "\(a)")\(b), "metal": \(a > 4.5 ? "true" : "false"), "structure": {
                "lattice": {"matrix": [[\(a), 0, 0], [0, \(a), 0], [0, 0, \(a)]]}, "sites": [
                {"species": [{"element": "\(cation)", "occu": 1}], "abc": [0, 0, 0]},
                {"species": [{"element": "\(anion)", "occu": 1}], "abc": [0.5, 0.5, 0.5]}]}}
                """)
        }
        let input = dir.file("docs.json")
        try ("[" + documents.joined(separator: ",\n") + "]").write(toFile: input, atomically: true, encoding: .utf8)
        return input
    }

    /// Writes `count` CsCl-type crystals AB (lattice constant 3.5–5.5 Å) as Materials Project documents with
    /// labels `a` (the lattice constant, Å), `b` (A's atomic number; only for even crystals) and `metal`
    /// (1 when the constant exceeds 4.5 Å), then ingests them and builds graphs in `dir`.
    static func makeStore(
        _ dir: TemporaryDirectory, count: Int = 48, infiniteA: Int? = nil, report: @escaping (String) -> Void = { _ in }
    ) throws {
        let input = try writeDocuments(dir, count: count, infiniteA: infiniteA)
        let ingest = try IngestCommand.parse(
            [input, "--store", dir.path, "--quiet", "--label", "a=a", "--label", "b=b", "--label", "metal=metal"])
        var stage = try Ingest(parameters: ingest.parameters, options: ingest.common)
        stage.report = report
        _ = try stage.run()
        let graph = try GraphCommand.parse(["--store", dir.path, "--quiet"])
        _ = try GraphStage(parameters: try #require(graph.parameters), options: graph.common).run()
    }

    /// A pipeline file's `train:` step (one line, flow style) training the `tiny` network on label `a`.
    static func trainStep(epochs: Int) -> String {
        "train: {targets: a, epochs: \(epochs), width: 8, hidden: 8, convolutions: 1, batch-size: 8, "
            + "atom-features: \(atomFeatures), quiet: true}"
    }

    /// Runs the train stage in-process with `arguments`.
    @discardableResult
    static func train(_ dir: TemporaryDirectory, _ arguments: [String]) throws -> TrainStage.Summary {
        let command = try TrainCommand.parse(
            ["--store", dir.path, "--quiet", "--atom-features", atomFeatures] + tiny + arguments)
        return try TrainStage(
            parameters: try command.parameters(), atomFeaturesPath: atomFeatures,
            matbenchSplitsPath: "", resume: false, options: command.common
        ).run()
    }

    @Test func missingLabelsAreLeftOutOfTheLossAndTheScaling() throws {
        let dir = try TemporaryDirectory()
        try Self.makeStore(dir)
        let parameters = try TrainCommand.parse(["--store", dir.path, "--targets", "a,b"] + Self.tiny).parameters()
        let features = try AtomFeatures(path: Self.atomFeatures)
        var data = try TrainingData(directory: try RunDirectory(dir.path), parameters: parameters, features: features)
        #expect(data.eligible.count == 48)
        let crystals = Array(0..<16)
        data.standardize(on: crystals)
        // b's scaling comes from the 8 crystals that have it.
        let present = crystals.filter { $0 % 2 == 0 }.map { Double([3, 11, 19][$0 % 3]) }
        let mean = present.reduce(0, +) / 8
        #expect(abs(data.targets[1].mean - mean) < 1e-12)

        let trainer = MemberTrainer(
            data: data, split: DataSplit(train: crystals, validation: [], test: []), parameters: parameters,
            inputs: NetworkInputs(network: .cgcnn(parameters.architecture), graphs: data.graphs, features: features),
            initialization: nil, member: 0, statePath: dir.file("unused.h5"), parameterHash: "",
            log: { _ in })
        // Outputs for crystals without b may be anything: the loss does not see them.
        func loss(missingOutput: Float) -> Float {
            let a = Tensor<Float>(shape: [16, 1], values: (0..<16).map { Float($0) / 10 })
            let b = Tensor<Float>(shape: [16, 1], values: (0..<16).map { $0 % 2 == 0 ? 0.5 : missingOutput })
            return trainer.loss([a, b], crystals: crystals)?.scalar ?? .nan
        }
        #expect(loss(missingOutput: 0) == loss(missingOutput: 1e6))
        #expect(loss(missingOutput: 0).isFinite)

        // And the whole run trains, with finite losses and a finite validation MAE for b.
        let summary = try Self.train(dir, ["--targets", "a,b", "--epochs", "2"])
        #expect(summary.train + summary.validation + summary.test == 48)
        let model = try TrainedModel(path: dir.file("models/mt-cgcnn.h5"))
        let history = try #require(model.members.first?.history)
        #expect(history.epochs == 2 && history.trainLoss.allSatisfy { $0.isFinite })
        #expect(history.validationMetrics["mae:b"]?.allSatisfy { $0.isFinite } == true)
        #expect(model.targets.map(\.name) == ["a", "b"])
    }

    @Test func infiniteLabelsAreReportedAndStoredAsMissing() throws {
        let dir = try TemporaryDirectory()
        var reports: [String] = []
        try Self.makeStore(dir, count: 12, infiniteA: 5) { reports.append($0) }
        #expect(reports.count == 1 && reports[0].hasSuffix("record 5 (x-5): a is inf; stored as missing"))
        let parameters = try TrainCommand.parse(["--store", dir.path, "--targets", "a"] + Self.tiny).parameters()
        let data = try TrainingData(
            directory: try RunDirectory(dir.path), parameters: parameters,
            features: try AtomFeatures(path: Self.atomFeatures))
        #expect(data.label(5, 0).isNaN && data.eligible.count == 11)
    }

    @Test func ensembleStdIsZeroForOneMemberAndPositiveForSeveral() throws {
        let dir = try TemporaryDirectory()
        try Self.makeStore(dir)
        try Self.train(dir, ["--targets", "a", "--classify", "metal", "--epochs", "2", "--name", "one"])
        let summary = try Self.train(
            dir, ["--targets", "a", "--classify", "metal", "--epochs", "2", "--name", "two", "--ensemble", "2"])
        #expect(summary.members == 2)
        // Classification is scored by ROC-AUC of the probabilities.
        let auc = try #require(summary.testMetrics["auc:metal"])
        #expect(auc >= 0 && auc <= 1)
        let predict = try PredictCommand.parse(["--store", dir.path, "--quiet", "--model", "one", "--model", "two"])
        _ = try PredictStage(models: ["one", "two"], publishedDirectory: "", options: predict.common).run()
        let store = try StoreFile.open(dir.file("store.h5"))
        // The index links every trained model under /models.
        #expect(try store.group("models/two").stringAttribute("encoding_type") == "model")
        #expect(try store.group("crystals").stringAttribute("encoding_type") == "crystals")
        let predictions = try store.group("predictions")
        let oneStd = try predictions.group("one/a").read("std", as: Double.self).values
        let twoStd = try predictions.group("two/a").read("std", as: Double.self).values
        let probabilities = try predictions.group("two/metal").read("mean", as: Double.self).values
        #expect(oneStd.count == 48 && oneStd.allSatisfy { $0 == 0 })
        #expect(twoStd.allSatisfy { $0 > 0 })
        #expect(probabilities.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(try predictions.group("two/metal").stringAttribute("task") == "classification")
        // The first member of "two" has the seed of "one": same weights, same predictions.
        let oneMean = try predictions.group("one/a").read("mean", as: Double.self).values
        let two = try TrainedModel(path: dir.file("models/two.h5"))
        let one = try TrainedModel(path: dir.file("models/one.h5"))
        #expect(
            one.members[0].parameters["embedding.weight"].values == two.members[0].parameters["embedding.weight"].values
        )
        #expect(oneMean.allSatisfy { $0.isFinite })
    }

    @Test func resumeAfterSIGKILLGivesTheSameWeights() throws {
        let dir = try TemporaryDirectory()
        try Self.makeStore(dir, count: 96)
        let executable = productsDirectory(containing: "xtal-train") + "/xtal-train"
        let arguments =
            ["--store", dir.path, "--targets", "a", "--epochs", "6", "--atom-features", Self.atomFeatures] + Self.tiny
        let full = try runProcess(executable, arguments + ["--name", "full", "--quiet"])
        #expect(full.status == 0, "\(full.stderr)")

        // Kill the second run as soon as its first epoch is checkpointed, then resume it.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["--name", "killed", "--quiet"]
        try process.run()
        let state = dir.file("models/killed.training/member-0.h5")
        while process.isRunning && !FileManager.default.fileExists(atPath: state) { usleep(2000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run ended before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: dir.file("models/killed.h5")))

        let resumed = try runProcess(executable, arguments + ["--name", "killed", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let resumedAfter = resumed.stderr.split(separator: "\n").first { $0.contains("resumed after epoch") }
        #expect(resumedAfter != nil && !resumedAfter!.hasSuffix("epoch 6"), "\(resumed.stderr)")
        let a = try TrainedModel(path: dir.file("models/full.h5"))
        let b = try TrainedModel(path: dir.file("models/killed.h5"))
        for name in a.members[0].parameters.names {
            #expect(a.members[0].parameters[name].values == b.members[0].parameters[name].values, "\(name)")
        }
        #expect(a.members[0].history.trainLoss == b.members[0].history.trainLoss)
        #expect(!FileManager.default.fileExists(atPath: dir.file("models/killed.training")))
    }

    @Test func trainsWithoutValidationOrTestSet() throws {
        let dir = try TemporaryDirectory()
        try Self.makeStore(dir, count: 24)
        let summary = try Self.train(
            dir, ["--targets", "a", "--epochs", "2", "--split", "random:1,0,0", "--schedule", "plateau:0.5:1"])
        #expect(summary.train == 24 && summary.validation == 0 && summary.test == 0 && summary.testMetrics.isEmpty)
        let history = try #require(try TrainedModel(path: dir.file("models/mt-cgcnn.h5")).members.first?.history)
        #expect(history.epochs == 2 && history.validationScore.allSatisfy { $0.isNaN })
    }

    @Test func scheduleEveryStepFollowsTheOptimiserStep() throws {
        // 20 crystals in batches of 8: 3 steps an epoch, so epoch e starts at step 3e, the fractional epoch 3e·8/20.
        let dir = try TemporaryDirectory()
        try Self.makeStore(dir, count: 20)
        let flags = ["--targets", "a", "--epochs", "3", "--split", "random:1,0,0", "--lr", "0.01"]
        let linear = ["--schedule", "polynomial:1:0"]
        try Self.train(dir, flags + linear + ["--name", "epoch"])
        try Self.train(dir, flags + linear + ["--name", "step", "--schedule-every-step"])
        let rates = try ["epoch", "step"].map { name in
            try #require(try TrainedModel(path: dir.file("models/\(name).h5")).members.first?.history.learningRate)
        }
        for (rate, expected) in zip(rates, [[0.01, 0.01 * 2 / 3, 0.01 / 3], [0.01, 0.006, 0.002]]) {
            #expect(rate.count == 3 && zip(rate, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(rate)")
        }
        #expect(throws: (any Error).self) {
            try TrainCommand.parse(["--targets", "a", "--schedule", "plateau:0.5:2", "--schedule-every-step"])
                .parameters()
        }
    }

    @Test func weightsDoNotDependOnTheThreadCount() throws {
        let dir = try TemporaryDirectory()
        try Self.makeStore(dir, count: 96)
        // Width 64: the edge tensors (2,304 × 128) are large enough for every op to split across threads.
        for jobs in ["1", "2"] {
            try Self.train(
                dir, ["--targets", "a", "--epochs", "2", "--width", "64", "--name", "jobs\(jobs)", "--jobs", jobs])
        }
        let one = try TrainedModel(path: dir.file("models/jobs1.h5")).members[0].parameters
        let two = try TrainedModel(path: dir.file("models/jobs2.h5")).members[0].parameters
        for name in one.names { #expect(one[name].values == two[name].values, "\(name)") }
    }

    @Test func resumeRefusesOtherParameters() throws {
        let dir = try TemporaryDirectory()
        try Self.makeStore(dir, count: 24)
        let state = try RunDirectory(dir.file("models/m.training"))
        // A state file from a run with other parameters.
        let output = try AtomicStoreFile(creating: state.file("member-0.h5"))
        try output.file.root.setAttribute("parameter_hash", "something else")
        try output.commit(Provenance(stage: "train", parameterHash: "", toolVersion: "test"))
        let command = try TrainCommand.parse(
            ["--store", dir.path, "--quiet", "--targets", "a", "--name", "m", "--epochs", "1"] + Self.tiny)
        let stage = try TrainStage(
            parameters: try command.parameters(), atomFeaturesPath: Self.atomFeatures, matbenchSplitsPath: "",
            resume: true, options: command.common)
        #expect(throws: TrainError.resumeMismatch(state.file("member-0.h5"))) { try stage.run() }
    }

    @Test func splitsAreDisjointDeterministicAndOfficialForMatbench() throws {
        let eligible = Array(0..<100).filter { $0 % 7 != 3 }
        let split = DataSplit.random(eligible, train: 0.8, validation: 0.1, seed: 4)
        #expect(split == DataSplit.random(eligible, train: 0.8, validation: 0.1, seed: 4))
        #expect(split != DataSplit.random(eligible, train: 0.8, validation: 0.1, seed: 5))
        #expect((split.train + split.validation + split.test).sorted() == eligible)
        #expect(split.train.count == 69 && split.validation.count == 9)

        #expect(MatbenchFolds.task(forSource: "/x/matbench-phonons.csv") == "matbench_phonons")
        #expect(MatbenchFolds.task(forSource: "matbench_dielectric.json.gz") == "matbench_dielectric")
        #expect(MatbenchFolds.task(forSource: "jarvis_dft_2d.csv") == nil)
        let splits = IngestTests.repository.appendingPathComponent("data/matbench_v0.1_validation.json.gz").path
        let folds = try MatbenchFolds(path: splits)
        let records = Array(0..<636)
        var tests = Set<Int>()
        for fold in 0..<5 {
            let fold = try DataSplit.matbench(
                task: nil, fold: fold, folds: folds, sources: records.map { _ in "matbench_jdft2d.csv" },
                records: records, eligible: Set(records), validationFraction: 0.1, seed: 0)
            #expect(fold.test.count == 127 || fold.test.count == 128)
            #expect(fold.train.count + fold.validation.count + fold.test.count == 636)
            #expect(Set(fold.train).isDisjoint(with: fold.test))
            tests.formUnion(fold.test)
        }
        // The five test folds cover the task once.
        #expect(tests == Set(records))
        #expect(throws: TrainError.self) {
            try DataSplit.matbench(
                task: "matbench_nothing", fold: 0, folds: folds, sources: ["a"], records: [0], eligible: [0],
                validationFraction: 0.1, seed: 0)
        }
    }

    @Test func commandLineValidation() throws {
        func parameters(_ arguments: [String]) throws -> TrainParameters {
            try TrainCommand.parse(["--store", "/tmp/x"] + arguments).parameters()
        }
        let p = try parameters(["--targets", "a,b", "--classify", "c:0.5", "--schedule", "step:10:0.5"])
        #expect(p.targets == ["a", "b", "c"] && p.classify["c"] == 0.5)
        #expect(p.architecture.heads.map(\.outputs) == [1, 1, 2])
        #expect(p.schedule == .fixed(.step(every: 10, gamma: 0.5)))
        #expect(
            try parameters(["--targets", "a", "--schedule", "plateau:0.5:3"]).schedule
                == .plateau(factor: 0.5, patience: 3))
        #expect(
            try parameters(["--targets", "a", "--split", "matbench:matbench_jdft2d:2"]).split
                == .matbench(task: "matbench_jdft2d", fold: 2))
        #expect(
            try parameters(["--targets", "a", "--split", "matbench:2", "--validation-fraction", "0"]).validationFraction
                == 0)
        // coGN and coNGN default to the paper's recipe; flags given still win.
        let cogn = try parameters(["--targets", "a", "--model", "congn", "--lr", "0.001"])
        #expect(cogn.loss == "l1" && cogn.batchSize == 64 && cogn.learningRate == 0.001)
        #expect(cogn.schedule == .fixed(.polynomial(epochs: 30, power: 1, minimum: 1e-5)))
        #expect(cogn.graphNetwork?.width == 160 && cogn.graphNetwork?.blocks == 5 && cogn.graphNetwork?.nested != nil)
        // ε in Keras's form only when asked for, so that the parameter hashes of earlier runs stay the same.
        #expect(cogn.adamEpsilonHat == nil)
        #expect(try parameters(["--targets", "a", "--adam-epsilon-hat", "1e-7"]).adamEpsilonHat == 1e-7)
        for bad in [
            ["--targets", ""], ["--targets", "a", "--split", "random:0.5,0.1"],
            ["--targets", "a", "--split", "matbench:5"],
            ["--targets", "a", "--schedule", "sometimes"], ["--targets", "a,a"], ["--targets", "a", "--model", "gin"],
            ["--targets", "a", "--task-weight", "z=1"], ["--targets", "a", "--name", "../x"],
            ["--targets", "a", "--optimizer", "sgd", "--weight-decay", "0.1"],
            ["--targets", "a", "--optimizer", "sgd", "--adam-epsilon-hat", "1e-7"],
            ["--targets", "a", "--adam-epsilon-hat", "0"],
            ["--targets", "a", "--validation-fraction", "0"],
            ["--targets", "a", "--split", "matbench:1", "--validation-fraction", "1"],
        ] {
            #expect(throws: (any Error).self, "\(bad)") { try parameters(bad) }
        }
    }

    @Test func rocAUCCountsTiesAsHalf() {
        #expect(Metrics.rocAUC([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75)
        #expect(Metrics.rocAUC([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]) == 0.5)
        #expect(Metrics.rocAUC([0.9, 0.8, 0.1], [1, 1, 0]) == 1)
        #expect(Metrics.rocAUC([0.9, 0.8], [1, 1]).isNaN)
        #expect(Metrics.rocAUC([0.2, .nan, 0.7], [0, .nan, 1]) == 1)
        #expect(Metrics.meanAbsoluteError([1, 2, 3], [1, .nan, 5]) == 1)
    }
}

/// Training that blows up stops at the batch where a loss or gradient stops being finite, naming its crystals,
/// before the optimiser writes NaN into the weights.
@Suite struct DivergenceTests {
    @Test func aNonFiniteLossOrGradientNamesTheBatch() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 16)
        #expect {
            try TrainStageTests.train(dir, ["--targets", "a", "--epochs", "3", "--optimizer", "sgd", "--lr", "1e30"])
        } throws: { error in
            guard case .diverged(let member, _, let what, let crystals) = error as? TrainError else { return false }
            let text = "\(error)"
            return member == 1 && ["loss", "gradient"].contains(what) && !crystals.isEmpty
                && text.contains("on a batch of \(crystals.count) crystals (\(crystals[0])")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("models/mt-cgcnn.h5")))
    }
}
