import Crystal
import Distributed
import Foundation
import Graph
import Models
import NN
import Parallel
import Pipeline
import Store
import Tensor

/// The pretrain stage: self-supervised training of an encoder on every crystal of the store, without labels,
/// into `models/<name>.h5` (`PretrainedEncoder`).
///
/// The method (`Pretext`) says what one mini-batch's loss is: DSSL (Fu and others, 2024), or NEGNN's
/// predictive or contrastive pretext (Kong and others, 2024). Its random views derive from (seed, epoch, crystal)
/// alone (`PretrainCorpus`), so results do not depend on `--jobs`.
///
/// With `--parts P` (or under MPI) each mini-batch is one `DataParallelStep`: P parts, each part's loss scaled by
/// its share of the batch's crystals, n_part / n_batch, so that the parts' losses add up to the batch's. A
/// contrastive pretext then takes each crystal's negatives from its own part only (as PyTorch's
/// DistributedDataParallel does without gathering embeddings), so P changes its loss, not just the arithmetic.
struct PretrainStage {
    struct Summary: Sendable {
        var crystals = 0
        var excluded = 0
        var history = PretrainHistory()
        var seconds = 0.0
        var output = ""
    }

    let name: String
    let parameters: PretrainParameters
    let atomFeaturesPath: String
    /// The micro-property table, read when `parameters.microProperty` is set.
    let microTable: MicroPropertyTable?
    let microTablePath: String
    let context: StageContext
    /// How batches are cut into parts and shared between the ranks of an MPI run.
    let step: DataParallelStep
    /// Whether `--parts` was given (without it, the parts follow the rank count).
    let partsGiven: Bool

    /// A pretrain stage of `parameters` run by the processes of `communicator` (this one alone by default).
    ///
    /// `parameters.parts` nil means one part per batch in one process and as many parts as ranks under MPI; the
    /// stage's parameters record the parts used (nil for 1, so undivided runs keep their hashes).
    init(
        name: String, parameters: PretrainParameters, atomFeaturesPath: String,
        microTablePath: String = "data/dssl_micro_properties.json", options: StageOptions,
        communicator: Communicator = .single
    ) throws {
        partsGiven = parameters.parts != nil
        var parameters = parameters
        (step, parameters.parts) = DataParallelStep.resolving(parts: parameters.parts, on: communicator)
        self.name = name
        self.parameters = parameters
        self.atomFeaturesPath = atomFeaturesPath
        self.microTablePath = microTablePath
        microTable = parameters.microProperty == nil ? nil : try MicroPropertyTable(path: microTablePath)
        context = try StageContext(label: "pretrain", options: options)
    }

    /// The method's objective around an encoder reading `features` columns per atom.
    func pretext(features: Int) -> any Pretext {
        let p = parameters
        switch p.method {
        case .dssl:
            var c = DSSL.Configuration(features: features)
            c.encoder.width = p.width
            c.encoder.convolutions = p.convolutions
            (c.maskWeight, c.contrastWeight, c.contrast, c.temperature) = (
                p.maskWeight, p.contrastWeight, p.contrast, p.temperature
            )
            (c.microProperty, c.microWeight) = (p.microProperty, p.microWeight)
            return DSSLPretext(
                model: DSSL(c), maskFraction: p.maskFraction,
                perturbation: p.perturbationMinimum...p.perturbationMaximum, microTable: microTable)
        case .negnnPredictive:
            var c = NEGNNPredictive.Configuration(features: features)
            (c.encoder.width, c.encoder.convolutions, c.graphNetwork) = (p.width, p.convolutions, p.graphNetwork)
            return NEGNNPredictivePretext(model: NEGNNPredictive(c), maskFraction: p.maskFraction)
        case .negnnContrastive:
            var c = NEGNNContrastive.Configuration(features: features)
            (c.encoder.width, c.encoder.convolutions, c.temperature) = (p.width, p.convolutions, p.temperature)
            c.graphNetwork = p.graphNetwork
            return NEGNNContrastivePretext(model: NEGNNContrastive(c), maskFraction: p.maskFraction)
        }
    }

    func run() throws -> Summary {
        let started = Date()
        Allocator.retainFreedBlocks()
        let directory = context.directory
        // coGN and coNGN read element properties, the other encoders CGCNN's atom features.
        let features = try parameters.graphNetwork == nil ? AtomFeatures(path: atomFeaturesPath) : .elementProperties()
        let inputs = try StoreGraphs(directory: directory)
        if parameters.graphNetwork?.nested != nil && !inputs.graphParameters.lineGraph {
            throw StageError.incompatibleInput(
                directory.file("graphs.h5"), reason: StageError.lineGraphNeeded(by: "coNGN"))
        }
        let outputPath =
            try step.isRoot ? context.outputPath("models/\(name).h5") : directory.file("models/\(name).h5")
        if step.isRoot {
            try FileManager.default.createDirectory(atPath: directory.file("models"), withIntermediateDirectories: true)
        }
        let reader = try CrystalsReader(path: directory.file("crystals.h5"), threads: context.options.jobs)
        var crystals: [Crystal] = []
        crystals.reserveCapacity(reader.count)
        while let crystal = try reader.next() { crystals.append(crystal) }

        let pretext = self.pretext(features: features.width)
        // Crystals every one of whose elements has atom features and a class in the masking heads (Z ≤ 100).
        let usable = (0..<inputs.ids.count).filter { k in
            inputs.graphs.atoms(of: k).allSatisfy { a in
                let z = inputs.graphs.atomicNumbers[a]
                return features.covers(z) && z <= 100
            }
        }
        let excluded = inputs.ids.count - usable.count
        if excluded > 0 && step.isRoot {
            context.report("xtal-pretrain: \(excluded) crystals left out: an element without atom features")
        }
        guard usable.count >= 2 else {
            throw StageError.incompatibleInput(
                directory.file("crystals.h5"), reason: "pretraining needs at least 2 crystals with atom features")
        }
        let corpus = PretrainCorpus(
            crystals: crystals, inputs: inputs, features: features, seed: parameters.seed,
            fixedViews: parameters.fixedViews, threads: context.options.jobs)

        var (weights, buffers) = pretext.initialize(seed: parameters.seed)
        (weights, buffers) = (step.broadcast(weights), step.broadcast(buffers))
        if !context.options.quiet && step.isRoot {
            for note in step.notes(partsGiven: partsGiven) { context.report("xtal-pretrain: " + note) }
        }
        var optimizer = Optimizer<Float>(
            .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), learningRate: Float(parameters.learningRate)
        )
        var history = PretrainHistory()
        try Parallelism.$threads.withValue(context.options.jobs) {
            for epoch in 0..<parameters.epochs {
                let epochStarted = Date()
                var total = (loss: 0.0, crystals: 0)
                var losses: [String: Double] = [:]
                var hits: [String: (right: Int, count: Int)] = [:]
                for members in miniBatches(of: usable, size: parameters.batchSize, seed: parameters.seed, epoch: epoch)
                {
                    let combined = step.run(members, parameters: weights, buffers: buffers) { part in
                        partResult(part, of: members.count, epoch: epoch, pretext, corpus, weights, buffers)
                    }
                    buffers = combined.buffers
                    let value = combined.scalars["loss"] ?? .nan
                    guard value.isFinite else {
                        throw StageError.incompatibleInput(
                            directory.file("graphs.h5"), reason: "pretraining diverged in epoch \(epoch + 1)")
                    }
                    optimizer.update(&weights, gradients: combined.gradients)
                    total.loss += value
                    total.crystals += members.count
                    for (key, sum) in combined.scalars {
                        if key.hasPrefix("term:") { losses[String(key.dropFirst(5)), default: 0] += sum }
                        guard key.hasPrefix("right:") else { continue }
                        let name = String(key.dropFirst(6))
                        let asked = Int(combined.scalars["asked:" + name] ?? 0)
                        let previous = hits[name] ?? (0, 0)
                        hits[name] = (previous.right + Int(sum), previous.count + asked)
                    }
                }
                let count = Double(max(total.crystals, 1))
                history.loss.append(total.loss / count)
                for (key, sum) in losses { history.terms[key, default: []].append(sum / count) }
                for (key, hit) in hits {
                    history.accuracy[key, default: []].append(Double(hit.right) / Double(max(hit.count, 1)))
                }
                history.seconds.append(Date().timeIntervalSince(epochStarted))
                if !context.options.quiet && step.isRoot { context.report(progressLine(history, epoch: epoch)) }
            }
        }

        var summary = Summary()
        summary.crystals = usable.count
        summary.excluded = excluded
        summary.history = history
        summary.output = outputPath
        // The other ranks hold the same weights; rank 0 writes them.
        guard step.isRoot else {
            summary.seconds = Date().timeIntervalSince(started)
            return summary
        }
        let encoder = PretrainedEncoder(
            configuration: pretext.configuration, features: features, graphParameters: inputs.graphParametersJSON,
            parameters: parameters, history: history, weights: weights, buffers: buffers)
        var inputHashes = [
            "crystals.h5": try SHA256.hex(fileAt: directory.file("crystals.h5")),
            "graphs.h5": try SHA256.hex(fileAt: directory.file("graphs.h5")),
        ]
        if parameters.graphNetwork == nil { inputHashes["atom_features"] = try SHA256.hex(fileAt: atomFeaturesPath) }
        if microTable != nil { inputHashes["micro_properties"] = try SHA256.hex(fileAt: microTablePath) }
        try encoder.write(
            to: outputPath,
            provenance: Provenance(
                stage: "pretrain", parameterHash: try CanonicalJSON.hash(parameters), inputHashes: inputHashes,
                toolVersion: XtalVersion.current, startedAt: started),
            options: context.options.datasetOptions)
        try directory.link("models/\(name)", to: "models/\(name).h5", toolVersion: XtalVersion.current)

        summary.seconds = Date().timeIntervalSince(started)
        let accuracy = history.accuracy.keys.sorted().map {
            String(format: "%@ %.1f%%", $0, 100 * (history.accuracy[$0]?.last ?? .nan))
        }
        context.progress.finish(
            String(
                format: "pretrain: %@ (%@) on %d crystals, %d epochs in %.1f s; last loss %.4f%@ → %@", name,
                parameters.method.rawValue, usable.count, parameters.epochs, summary.seconds,
                history.loss.last ?? .nan, accuracy.isEmpty ? "" : ", right: " + accuracy.joined(separator: ", "),
                outputPath))
        return summary
    }

    /// One part's forward and backward pass: the pretext's loss on `part` (crystals of a mini-batch of `batchSize`),
    /// scaled by `part.count / batchSize`, with its buffers after the pass and its scalars: `loss`, and `term:NAME`,
    /// each times the part's crystals; `right:NAME` and `asked:NAME`, the classification pretexts' hits.
    private func partResult(
        _ part: [Int], of batchSize: Int, epoch: Int, _ pretext: any Pretext, _ corpus: PretrainCorpus,
        _ weights: Parameters<Float>, _ buffers: Parameters<Float>
    ) -> PartResult {
        let tape = Tape<Float>()
        let bound = weights.tracked(on: tape)
        var partBuffers = buffers
        let terms = pretext.terms(part, epoch: epoch, corpus: corpus, bound, buffers: &partBuffers)
        let scaled =
            part.count == batchSize ? terms.total : terms.total * Tensor(Float(Double(part.count) / Double(batchSize)))
        let n = Double(part.count)
        var scalars = ["loss": Double(terms.total.scalar) * n]
        for (key, value) in terms.losses { scalars["term:" + key] = Double(value) * n }
        for (key, hit) in terms.hits {
            scalars["right:" + key] = Double(hit.right)
            scalars["asked:" + key] = Double(hit.count)
        }
        return PartResult(
            gradients: bound.gradients(tape.gradients(of: scaled)), buffers: partBuffers, scalars: scalars)
    }

    /// The progress line of epoch `epoch`: the loss, its parts and the pretexts' accuracies.
    private func progressLine(_ history: PretrainHistory, epoch: Int) -> String {
        let parts = history.terms.keys.sorted().map { String(format: "%@ %.4f", $0, history.terms[$0]?[epoch] ?? .nan) }
        let right = history.accuracy.keys.sorted().map {
            String(format: "%@ %.1f%%", $0, 100 * (history.accuracy[$0]?[epoch] ?? .nan))
        }
        return String(
            format: "xtal-pretrain: epoch %d/%d: loss %.4f (%@)%@, %.1f s", epoch + 1, parameters.epochs,
            history.loss[epoch], parts.joined(separator: ", "),
            right.isEmpty ? "" : ", right: " + right.joined(separator: ", "), history.seconds[epoch])
    }
}
