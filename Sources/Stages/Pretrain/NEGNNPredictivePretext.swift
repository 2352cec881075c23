import Crystal
import Models
import NN
import Tensor

/// NEGNN's predictive pretext (Kong and others, 2024) driven by the pretrain stage: the stored graphs with
/// ⌊fraction·n⌋ + 1 atoms of each crystal masked (view 0 of each crystal's stream).
struct NEGNNPredictivePretext: Pretext {
    let model: NEGNNPredictive
    let maskFraction: Double

    var configuration: PretextConfiguration { .negnnPredictive(configuration: model.configuration) }

    func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        model.initialize(seed: seed)
    }

    /// Group class (0–17 for groups 1–18, 18 for the f-block) and period class (0–6) of atomic number `z`.
    static func classes(of z: Int) -> (group: Int, period: Int) {
        guard let element = Element(atomicNumber: z) else { return (0, 0) }
        return ((element.group ?? 19) - 1, element.period - 1)
    }

    func terms(
        _ members: [Int], epoch: Int, corpus: PretrainCorpus, _ weights: Parameters<Float>,
        buffers: inout Parameters<Float>
    ) -> PretextTerms {
        let stored = corpus.storedBatch(members)
        let maskedAtoms = corpus.maskedAtoms(members, in: stored, fraction: maskFraction, epoch: epoch)
        let numbers = corpus.atomicNumbers(members)
        let classes = maskedAtoms.map { Self.classes(of: numbers[Int($0)]) }
        let masked = model.mask(stored, maskedAtoms: maskedAtoms)
        return model.loss(
            masked.batch, edgeFeatures: masked.edgeFeatures, maskedAtoms: maskedAtoms, groups: classes.map(\.group),
            periods: classes.map(\.period), maskedEdges: masked.maskedEdges, weights, buffers: &buffers,
            training: true)
    }
}
