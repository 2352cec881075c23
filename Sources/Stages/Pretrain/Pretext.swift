import Models
import NN
import Tensor

/// A self-supervised objective as the pretrain stage drives it: fresh weights, and the loss of one
/// mini-batch of corpus crystals in an epoch (drawing its views from the corpus' streams).
protocol Pretext {
    /// What is saved with the encoder.
    var configuration: PretextConfiguration { get }
    func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>)
    func terms(
        _ members: [Int], epoch: Int, corpus: PretrainCorpus, _ weights: Parameters<Float>,
        buffers: inout Parameters<Float>
    ) -> PretextTerms
}
