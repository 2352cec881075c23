import Crystal
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
/// DSSL (Fu and others, 2024): each mini-batch is seen three ways, the stored graphs with some atoms'
/// elements masked, and two graphs rebuilt with the store's graph parameters from independently perturbed
/// coordinates. Masks and perturbations derive from (seed, epoch, crystal) alone, so results do not depend
/// on `--jobs`; with `fixedViews` the epoch is left out, as in the reference, which draws them once.
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

    init(
        name: String, parameters: PretrainParameters, atomFeaturesPath: String,
        microTablePath: String = "data/dssl_micro_properties.json", options: StageOptions
    ) throws {
        self.name = name
        self.parameters = parameters
        self.atomFeaturesPath = atomFeaturesPath
        self.microTablePath = microTablePath
        microTable = parameters.microProperty == nil ? nil : try MicroPropertyTable(path: microTablePath)
        context = try StageContext(label: "pretrain", options: options)
    }

    func run() throws -> Summary {
        let started = Date()
        Allocator.retainFreedBlocks()
        let directory = context.directory
        let features = try AtomFeatures(path: atomFeaturesPath)
        let inputs = try StoreGraphs(directory: directory)
        let outputPath = try context.outputPath("models/\(name).h5")
        try FileManager.default.createDirectory(
            atPath: directory.file("models"), withIntermediateDirectories: true)
        let reader = try CrystalsReader(path: directory.file("crystals.h5"), threads: context.options.jobs)
        var crystals: [Crystal] = []
        crystals.reserveCapacity(reader.count)
        while let crystal = try reader.next() { crystals.append(crystal) }

        var configuration = DSSL.Configuration(features: features.width)
        configuration.encoder.width = parameters.width
        configuration.encoder.convolutions = parameters.convolutions
        configuration.maskWeight = parameters.maskWeight
        configuration.contrastWeight = parameters.contrastWeight
        configuration.contrast = parameters.contrast
        configuration.temperature = parameters.temperature
        configuration.microProperty = parameters.microProperty
        configuration.microWeight = parameters.microWeight
        let model = DSSL(configuration)
        // Crystals every one of whose elements has atom features and a class in the masking head.
        let usable = (0..<inputs.ids.count).filter { k in
            inputs.graphs.atoms(of: k).allSatisfy { a in
                let z = inputs.graphs.atomicNumbers[a]
                return features.covers(z) && Int(z) <= configuration.elementClasses
            }
        }
        let excluded = inputs.ids.count - usable.count
        if excluded > 0 {
            context.report("xtal-pretrain: \(excluded) crystals left out: an element without atom features")
        }
        guard usable.count >= 2 else {
            throw StageError.incompatibleInput(
                directory.file("crystals.h5"), reason: "pretraining needs at least 2 crystals with atom features")
        }

        var (weights, buffers) = model.initialize(seed: parameters.seed)
        var optimizer = Optimizer<Float>(
            .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), learningRate: Float(parameters.learningRate)
        )
        var history = PretrainHistory()
        try Parallelism.$threads.withValue(context.options.jobs) {
            for epoch in 0..<parameters.epochs {
                let epochStarted = Date()
                var sums = (loss: 0.0, mask: 0.0, contrast: 0.0, micro: 0.0, crystals: 0, correct: 0, masked: 0)
                for members in miniBatches(of: usable, size: parameters.batchSize, seed: parameters.seed, epoch: epoch)
                {
                    let views = self.views(
                        of: members, epoch: epoch, crystals: crystals, inputs: inputs, features: features)
                    let tape = Tape<Float>()
                    let bound = weights.tracked(on: tape)
                    let terms = model.loss(
                        masked: views.masked, maskedAtoms: views.maskedAtoms, elements: views.elements,
                        micro: views.micro, view1: views.first, view2: views.second, bound, buffers: &buffers,
                        training: true)
                    let value = Double(terms.total.scalar)
                    guard value.isFinite else {
                        throw StageError.incompatibleInput(
                            directory.file("graphs.h5"), reason: "pretraining diverged in epoch \(epoch + 1)")
                    }
                    optimizer.update(&weights, gradients: bound.gradients(tape.gradients(of: terms.total)))
                    let n = members.count
                    sums.loss += value * Double(n)
                    sums.mask += Double(terms.mask) * Double(n)
                    sums.contrast += Double(terms.contrast) * Double(n)
                    sums.micro += Double(terms.micro) * Double(n)
                    sums.crystals += n
                    sums.correct += terms.correct
                    sums.masked += terms.masked
                }
                let count = Double(max(sums.crystals, 1))
                history.loss.append(sums.loss / count)
                history.maskLoss.append(sums.mask / count)
                history.contrastLoss.append(sums.contrast / count)
                history.microLoss.append(sums.micro / count)
                history.maskAccuracy.append(Double(sums.correct) / Double(max(sums.masked, 1)))
                history.seconds.append(Date().timeIntervalSince(epochStarted))
                if !context.options.quiet {
                    context.report(
                        String(
                            format: "xtal-pretrain: epoch %d/%d: loss %.4f (masking %.4f, contrast %.4f%@), "
                                + "masked elements right %.1f%%, %.1f s",
                            epoch + 1, parameters.epochs, history.loss[epoch], history.maskLoss[epoch],
                            history.contrastLoss[epoch],
                            parameters.microProperty == nil
                                ? "" : String(format: ", micro %.4f", history.microLoss[epoch]),
                            100 * history.maskAccuracy[epoch], history.seconds[epoch]))
                }
            }
        }

        let encoder = PretrainedEncoder(
            configuration: configuration, features: features, graphParameters: inputs.graphParametersJSON,
            parameters: parameters, history: history, weights: weights, buffers: buffers)
        var inputHashes = [
            "crystals.h5": try SHA256.hex(fileAt: directory.file("crystals.h5")),
            "graphs.h5": try SHA256.hex(fileAt: directory.file("graphs.h5")),
            "atom_features": try SHA256.hex(fileAt: atomFeaturesPath),
        ]
        if microTable != nil { inputHashes["micro_properties"] = try SHA256.hex(fileAt: microTablePath) }
        try encoder.write(
            to: outputPath,
            provenance: Provenance(
                stage: "pretrain", parameterHash: try CanonicalJSON.hash(parameters), inputHashes: inputHashes,
                toolVersion: XtalVersion.current, startedAt: started),
            options: context.options.datasetOptions)
        try directory.link("models/\(name)", to: "models/\(name).h5", toolVersion: XtalVersion.current)

        var summary = Summary()
        summary.crystals = usable.count
        summary.excluded = excluded
        summary.history = history
        summary.seconds = Date().timeIntervalSince(started)
        summary.output = outputPath
        context.progress.finish(
            String(
                format: "pretrain: %@ (%@) on %d crystals, %d epochs in %.1f s; last loss %.4f, masked elements "
                    + "right %.1f%% → %@",
                name, parameters.method, usable.count, parameters.epochs, summary.seconds, history.loss.last ?? .nan,
                100 * (history.maskAccuracy.last ?? .nan), outputPath))
        return summary
    }

    /// The three views of crystals `members` in `epoch`: the stored graphs with masked atoms, and two graphs
    /// rebuilt from perturbed coordinates (features with the mask flag at 0).
    func views(
        of members: [Int], epoch: Int, crystals: [Crystal], inputs: StoreGraphs, features: AtomFeatures
    ) -> (
        masked: CGCNN.Batch, maskedAtoms: [Int32], elements: [Int], micro: [Float], first: CGCNN.Batch,
        second: CGCNN.Batch
    ) {
        let drawEpoch = parameters.fixedViews ? 0 : epoch
        var masked = inputs.graphs.batch(members, features: features)
        // Each crystal's mask from its own stream, so a crystal's mask does not depend on its batch-mates.
        var maskedAtoms: [Int32] = []
        let masking = ElementMasking(fraction: parameters.maskFraction)
        for (position, crystal) in members.enumerated() {
            var generator = SeededGenerator(seed: stream(epoch: drawEpoch, crystal: crystal, view: 0))
            let offsets = [masked.crystalOffsets[position], masked.crystalOffsets[position + 1]]
            maskedAtoms += masking.choose(crystalOffsets: offsets, using: &generator)
        }
        let numbers = members.flatMap { k in inputs.graphs.atoms(of: k).map { inputs.graphs.atomicNumbers[$0] } }
        let elements = maskedAtoms.map { Int(numbers[Int($0)]) }
        // Usable crystals' elements are 1…100, all in the table.
        let micro =
            parameters.microProperty.map { property in
                elements.map { microTable?.target(property, of: $0) ?? 0 }
            } ?? []
        masked.atomFeatures = ElementMasking.apply(masked.atomFeatures, masked: maskedAtoms)

        let range = parameters.perturbationMinimum...parameters.perturbationMaximum
        var graphs = [[CrystalGraph]](repeating: [], count: 2)
        for view in 0..<2 {
            var built = [CrystalGraph](repeating: CrystalGraph(), count: members.count)
            built.withUnsafeMutableBufferPointer { slots in
                parallelFor(members.count, threads: context.options.jobs) { position in
                    var generator = SeededGenerator(
                        seed: stream(epoch: drawEpoch, crystal: members[position], view: UInt64(view + 1)))
                    let moved = crystals[members[position]].perturbed(distance: range, using: &generator)
                    slots[position] = buildGraph(for: moved, parameters: inputs.graphParameters)
                }
            }
            graphs[view] = built
        }
        let all = Array(0..<members.count)
        var first = GraphSet(graphs: graphs[0]).batch(all, features: features)
        var second = GraphSet(graphs: graphs[1]).batch(all, features: features)
        first.atomFeatures = ElementMasking.apply(first.atomFeatures, masked: [])
        second.atomFeatures = ElementMasking.apply(second.atomFeatures, masked: [])
        return (masked, maskedAtoms, elements, micro, first, second)
    }

    /// The seed of one crystal's random stream for `view` (0: its mask; 1, 2: its perturbations) in `epoch`.
    func stream(epoch: Int, crystal: Int, view: UInt64) -> UInt64 {
        var generator = SeededGenerator(seed: parameters.seed ^ 0xA076_1D64_78BD_642F)
        var mixed = generator.next()
        for part in [UInt64(epoch), UInt64(crystal), view] {
            generator = SeededGenerator(seed: mixed ^ part)
            mixed = generator.next()
        }
        return mixed
    }
}
