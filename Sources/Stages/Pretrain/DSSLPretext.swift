import Crystal
import Models
import NN
import Tensor

/// DSSL (Fu and others, 2024) driven by the pretrain stage: each mini-batch seen three ways, the stored graphs
/// with some atoms' elements masked (view 0 of each crystal's stream), and two graphs rebuilt from
/// independently perturbed coordinates (views 1 and 2).
struct DSSLPretext: Pretext {
    let model: DSSL
    let maskFraction: Double
    let perturbation: ClosedRange<Double>
    /// The micro-property table, when the objective has that pretext.
    let microTable: MicroPropertyTable?

    var configuration: PretextConfiguration { .dssl(configuration: model.configuration) }

    func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        model.initialize(seed: seed)
    }

    /// The three views of `members` in `epoch`: the masked batch, its masked atoms (batch-global) and their
    /// atomic numbers, the micro-property targets, and the two perturbed batches (mask flag 0).
    func views(_ members: [Int], epoch: Int, corpus: PretrainCorpus) -> (
        masked: GraphBatch, maskedAtoms: [Int32], elements: [Int], micro: [Float], first: GraphBatch,
        second: GraphBatch
    ) {
        var masked = corpus.storedBatch(members)
        let maskedAtoms = corpus.maskedAtoms(members, in: masked, fraction: maskFraction, epoch: epoch)
        let numbers = corpus.atomicNumbers(members)
        let elements = maskedAtoms.map { numbers[Int($0)] }
        // Usable crystals' elements are 1…100, all in the table.
        let micro =
            model.configuration.microProperty.map { property in
                elements.map { microTable?.target(property, of: $0) ?? 0 }
            } ?? []
        masked.atomFeatures = ElementMasking.apply(masked.atomFeatures, masked: maskedAtoms)
        let perturbation = self.perturbation
        let perturbed = (1...2).map { view in
            var batch = corpus.rebuiltBatch(members, epoch: epoch, view: UInt64(view)) { crystal, generator in
                crystal.perturbed(distance: perturbation, using: &generator)
            }
            batch.atomFeatures = ElementMasking.apply(batch.atomFeatures, masked: [])
            return batch
        }
        return (masked, maskedAtoms, elements, micro, perturbed[0], perturbed[1])
    }

    func terms(
        _ members: [Int], epoch: Int, corpus: PretrainCorpus, _ weights: Parameters<Float>,
        buffers: inout Parameters<Float>
    ) -> PretextTerms {
        let v = views(members, epoch: epoch, corpus: corpus)
        return model.loss(
            masked: v.masked, maskedAtoms: v.maskedAtoms, elements: v.elements, micro: v.micro, view1: v.first,
            view2: v.second, weights, buffers: &buffers, training: true)
    }
}
