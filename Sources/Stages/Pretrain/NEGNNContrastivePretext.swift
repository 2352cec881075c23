import Crystal
import Models
import NN
import Tensor

/// NEGNN's contrastive pretext (Kong and others, 2024) driven by the pretrain stage: two views of every crystal,
/// each a supercell drawn from `NEGNNContrastive.supercells` with its graph rebuilt, then attribute-masked
/// (views 1 and 2 of each crystal's stream).
struct NEGNNContrastivePretext: Pretext {
    let model: NEGNNContrastive
    let maskFraction: Double

    var configuration: PretextConfiguration { .negnnContrastive(configuration: model.configuration) }

    func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        model.initialize(seed: seed)
    }

    /// View `view` (1 or 2) of `members` in `epoch`: batch and edge features, masked.
    func view(_ members: [Int], epoch: Int, view: UInt64, corpus: PretrainCorpus) -> (
        batch: GraphBatch, edgeFeatures: Tensor<Float>
    ) {
        let batch = corpus.rebuiltBatch(members, epoch: epoch, view: view) { crystal, generator in
            crystal.supercell(NEGNNContrastive.supercells.randomElement(using: &generator) ?? SIMD3(1, 1, 1))
        }
        // Masks come from streams of their own (views 3 and 4), apart from the supercell choice.
        var generators = corpus.generators(members, epoch: epoch, view: view + 2)
        return model.maskAttributes(batch, fraction: maskFraction, using: &generators)
    }

    func terms(
        _ members: [Int], epoch: Int, corpus: PretrainCorpus, _ weights: Parameters<Float>,
        buffers: inout Parameters<Float>
    ) -> PretextTerms {
        model.loss(
            view1: view(members, epoch: epoch, view: 1, corpus: corpus),
            view2: view(members, epoch: epoch, view: 2, corpus: corpus), weights, buffers: &buffers, training: true)
    }
}
