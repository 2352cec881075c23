import Distributed
import Foundation
import Graph
import Models
import Pipeline
import Store
import Tensor

/// The train stage: fits a model to the store's labels and saves it as `models/<name>.h5`.
public struct TrainStage {
    public struct Summary: Sendable {
        public var labelled = 0
        public var train = 0
        public var validation = 0
        public var test = 0
        public var members = 0
        /// Ensemble-mean metrics on the test set (`mae:<target>`, `rmse:<target>`, `auc:<target>`, …).
        public var testMetrics: [String: Double] = [:]
        public var seconds = 0.0
        public var output = ""
    }

    let parameters: TrainParameters
    let atomFeaturesPath: String
    let matbenchSplitsPath: String
    let resume: Bool
    let context: StageContext
    /// How batches are cut into parts and shared between the ranks of an MPI run.
    let step: DataParallelStep
    /// Whether `--parts` was given (without it, the parts follow the rank count).
    let partsGiven: Bool

    /// A train stage of `parameters` run by the processes of `communicator` (this one alone by default).
    ///
    /// `parameters.parts` nil means one part per batch in one process and as many parts as ranks under MPI; the
    /// stage's parameters record the parts used (nil for 1, so undivided runs keep their hashes).
    init(
        parameters: TrainParameters, atomFeaturesPath: String, matbenchSplitsPath: String, resume: Bool,
        options: StageOptions, communicator: Communicator = .single
    ) throws {
        partsGiven = parameters.parts != nil
        var parameters = parameters
        (step, parameters.parts) = DataParallelStep.resolving(parts: parameters.parts, on: communicator)
        self.parameters = parameters
        self.atomFeaturesPath = atomFeaturesPath
        self.matbenchSplitsPath = matbenchSplitsPath
        self.resume = resume
        context = try StageContext(label: "train", options: options)
    }

    /// Runs the stage.
    ///
    /// Under MPI every rank trains (the same weights) and evaluates; rank 0 alone writes the checkpoints, the model
    /// file and the store index, and prints.
    ///
    /// - Throws: `StageError` (missing inputs, existing output), `TrainError` (labels, split, divergence,
    ///   resume), `StoreError` (unreadable files).
    public func run() throws -> Summary {
        let started = Date()
        Allocator.retainFreedBlocks()
        let directory = context.directory
        _ = try RunDirectory(directory.file("models"))
        let outputPath =
            try step.isRoot
            ? context.outputPath("models/\(parameters.name).h5") : directory.file("models/\(parameters.name).h5")
        // NEGNN and head models read through a frozen encoder, with its atom features; coGN and coNGN read
        // element properties.
        let frozen = try ["negnn", "head"].contains(parameters.model) ? frozenEncoder(directory) : nil
        let features =
            try frozen?.encoder.features
            ?? (parameters.graphNetwork != nil ? .elementProperties() : AtomFeatures(path: atomFeaturesPath))
        var data = try TrainingData(directory: directory, parameters: parameters, features: features)
        if step.isRoot {
            for line in data.excluded.prefix(20) { context.report("xtal-train: \(line)") }
            if data.excluded.count > 20 { context.report("xtal-train: … \(data.excluded.count - 20) more left out") }
        }

        let split: DataSplit
        switch parameters.split {
        case .random(let train, let validation, _):
            split = DataSplit.random(data.usable, train: train, validation: validation, seed: parameters.seed)
        case .matbench(let task, let fold):
            split = try DataSplit.matbench(
                task: task, fold: fold, folds: try MatbenchFolds(path: matbenchSplitsPath), sources: data.sourceFiles,
                records: data.sourceRecords, eligible: Set(data.eligible),
                validationFraction: parameters.validationFraction, seed: parameters.seed)
        }
        let labelledTrain = split.train.filter(Set(data.eligible).contains)
        guard labelledTrain.count >= 2 else {
            throw TrainError.tooFewCrystals(
                "\(labelledTrain.count) labelled crystal(s) to train on (of \(data.eligible.count) labelled); need at least 2"
            )
        }
        data.standardize(on: split.train)

        var inputHashes = [
            "crystals.h5": try SHA256.hex(fileAt: directory.file("crystals.h5")),
            "graphs.h5": try SHA256.hex(fileAt: directory.file("graphs.h5")),
        ]
        if frozen == nil && parameters.graphNetwork == nil {
            inputHashes["atom_features"] = try SHA256.hex(fileAt: atomFeaturesPath)
        }
        if let frozen { inputHashes["models/\(frozen.name).h5"] = try SHA256.hex(fileAt: frozen.path) }
        let network = try self.network(frozen: frozen, graphs: data.graphParameters)
        var initialization: EncoderInitialization?
        if frozen == nil, let encoder = parameters.initEncoder {
            let path = directory.file("models/\(encoder).h5")
            guard FileManager.default.fileExists(atPath: path) else {
                throw StageError.missingInput(path, makeWith: "pretrain --name \(encoder)")
            }
            initialization = try EncoderInitialization(
                path: path, network: network, features: features,
                graphParameters: data.graphParametersJSON)
            inputHashes["models/\(encoder).h5"] = try SHA256.hex(fileAt: path)
        }
        let parametersJSON = try CanonicalJSON.encode(parameters)
        let parameterHash = SHA256.hex(
            parametersJSON + inputHashes.sorted { $0.key < $1.key }.map { "\n\($0.key)=\($0.value)" }.joined())
        let stateDirectory = directory.file("models/\(parameters.name).training")
        if step.isRoot {
            if !resume { try? FileManager.default.removeItem(atPath: stateDirectory) }
            _ = try RunDirectory(stateDirectory)
        }
        let isRoot = step.isRoot
        let log = { (line: String) in if isRoot && !context.options.quiet { context.report("xtal-train: " + line) } }
        log(
            "\(parameters.name): \(split.train.count) train, \(split.validation.count) validation, "
                + "\(split.test.count) test crystals; targets \(parameters.targets.joined(separator: ", "))")
        for note in step.notes(partsGiven: partsGiven) { log(note) }

        var members: [TrainedModel.Member] = []
        try Parallelism.$threads.withValue(context.options.jobs) {
            let inputs = NetworkInputs(network: network, graphs: data.graphs, features: features)
            for k in 0..<parameters.ensemble {
                let trainer = MemberTrainer(
                    data: data, split: split, parameters: parameters, inputs: inputs,
                    initialization: initialization, member: k,
                    statePath: (stateDirectory as NSString).appendingPathComponent("member-\(k).h5"),
                    parameterHash: parameterHash,
                    log: log, step: step)
                if parameters.model == "head" && parameters.head == "ridge" {
                    members.append(RidgeFit(trainer: trainer).run())
                } else {
                    members.append(try trainer.run(resume: resume))
                }
            }
        }

        var summary = Summary()
        summary.labelled = data.eligible.count
        summary.train = split.train.count
        summary.validation = split.validation.count
        summary.test = split.test.count
        summary.members = members.count
        summary.output = outputPath
        // The other ranks hold the same weights; rank 0 scores and writes them.
        guard step.isRoot else {
            summary.seconds = Date().timeIntervalSince(started)
            return summary
        }
        var model = TrainedModel(
            network: network, targets: data.targets, features: features,
            graphParameters: data.graphParametersJSON, training: parametersJSON, members: members,
            split: (
                split.train.map { data.ids[$0] }, split.validation.map { data.ids[$0] }, split.test.map { data.ids[$0] }
            ))
        model.testMetrics = Self.metrics(
            ensembleMean(model, crystals: split.test, data: data), crystals: split.test, data: data)
        try model.write(
            to: outputPath,
            provenance: Provenance(
                stage: "train", parameterHash: parameterHash, inputHashes: inputHashes,
                toolVersion: XtalVersion.current, startedAt: started),
            options: context.options.datasetOptions)
        try? FileManager.default.removeItem(atPath: stateDirectory)
        try directory.link(
            "models/\(parameters.name)", to: "models/\(parameters.name).h5", toolVersion: XtalVersion.current)

        summary.testMetrics = model.testMetrics
        summary.seconds = Date().timeIntervalSince(started)
        let metrics = model.testMetrics.sorted { $0.key < $1.key }.map { String(format: "%@ %.4g", $0.key, $0.value) }
        context.progress.finish(
            String(
                format: "train: %@ on %d crystals (%d member%@) in %.1f s%@ → %@", parameters.name, split.train.count,
                members.count, members.count == 1 ? "" : "s", summary.seconds,
                metrics.isEmpty ? "" : "; test " + metrics.joined(separator: ", "), outputPath))
        return summary
    }

    /// The frozen encoder named by `--init` for a NEGNN or head model, with its file.
    ///
    /// - Throws: `StageError` when it is missing; `StoreError` when unreadable.
    private func frozenEncoder(_ directory: RunDirectory) throws -> (encoder: FrozenEncoder, name: String, path: String)
    {
        let name = parameters.initEncoder ?? ""
        return (try FrozenEncoder(named: name, directory: directory), name, directory.file("models/\(name).h5"))
    }

    /// The network `parameters` ask for, around `frozen` for NEGNN and head models.
    ///
    /// - Throws: `StageError.incompatibleInput` naming the encoder file when it was trained on other graphs than
    ///   `graphs`, or a layer asked for does not exist.
    private func network(
        frozen: (encoder: FrozenEncoder, name: String, path: String)?, graphs: GraphParameters
    ) throws -> ModelNetwork {
        if let graphNetwork = parameters.graphNetwork {
            guard graphNetwork.nested == nil || graphs.lineGraph else {
                throw StageError.incompatibleInput(
                    context.directory.file("graphs.h5"), reason: StageError.lineGraphNeeded(by: "coNGN"))
            }
            return .graphNetwork(graphNetwork)
        }
        guard let frozen else { return .cgcnn(parameters.architecture) }
        try frozen.encoder.check(graphs: graphs, file: frozen.path)
        let layers = parameters.encoderLayers
        try frozen.encoder.check(layers: layers, file: frozen.path)
        let width = frozen.encoder.network.width * layers.count
        if parameters.model == "negnn" {
            var architecture = parameters.architecture
            architecture.atomFeatures = width
            return .negnn(architecture, encoder: frozen.encoder, layers: layers)
        }
        let hidden = parameters.head == "ridge" ? 0 : parameters.headHidden
        return .head(
            EmbeddingHead.Configuration(inputs: 2 * width, hidden: hidden, heads: parameters.architecture.heads),
            encoder: frozen.encoder, layers: layers)
    }

    /// The ensemble-mean prediction of `model` for `crystals`, per target (label units).
    private func ensembleMean(_ model: TrainedModel, crystals: [Int], data: TrainingData) -> [[Double]] {
        var sums = [[Double]](repeating: [Double](repeating: 0, count: crystals.count), count: model.targets.count)
        for start in stride(from: 0, to: crystals.count, by: 512) {
            let range = start..<min(crystals.count, start + 512)
            let batch = data.graphs.batch(Array(crystals[range]), features: model.features)
            for member in model.predict(model.network.input(batch)) {
                for (t, values) in member.enumerated() {
                    for (offset, value) in values.enumerated() { sums[t][range.lowerBound + offset] += value }
                }
            }
        }
        return sums.map { $0.map { $0 / Double(model.members.count) } }
    }

    /// Metrics of `predictions` ([targets][crystals], label units) against the labels of `crystals`:
    /// `mae:` and `rmse:` per regression target, `auc:` and `accuracy:` per classification target.
    static func metrics(_ predictions: [[Double]], crystals: [Int], data: TrainingData) -> [String: Double] {
        var metrics: [String: Double] = [:]
        guard !crystals.isEmpty else { return metrics }
        for (t, target) in data.targets.enumerated() {
            let labels = crystals.map { data.label($0, t) }
            if target.classification {
                metrics["auc:\(target.name)"] = Metrics.rocAUC(predictions[t], labels)
                metrics["accuracy:\(target.name)"] = Metrics.accuracy(predictions[t], labels)
            } else {
                metrics["mae:\(target.name)"] = Metrics.meanAbsoluteError(predictions[t], labels)
                metrics["rmse:\(target.name)"] = Metrics.rootMeanSquareError(predictions[t], labels)
            }
        }
        return metrics
    }
}
