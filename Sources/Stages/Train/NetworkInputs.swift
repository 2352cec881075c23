import Models
import NN
import Tensor

/// What a model in training reads for a list of crystals of the training data: graph batches; for NEGNN and
/// head models, whose encoder is frozen, its output for every crystal computed once up front rather than in
/// every batch of every epoch (the same numbers: the encoder runs in evaluation mode, crystal by crystal).
///
/// The cache is [atoms, width · layers] floats for NEGNN (about 73 MB for the 4764 dielectric crystals with
/// two layers) and [crystals, inputs] for a head.
struct NetworkInputs {
    let network: ModelNetwork
    let graphs: GraphSet
    let features: AtomFeatures
    /// The frozen encoder's output for every crystal, nil for MT-CGCNN.
    ///
    /// NEGNN: atom embeddings in the atom order of `graphs`; head: crystal embeddings, row i crystal i.
    let cache: Tensor<Float>?

    /// Prepares the inputs of `network` for the crystals of `graphs`, in blocks of 512.
    init(network: ModelNetwork, graphs: GraphSet, features: AtomFeatures) {
        self.network = network
        self.graphs = graphs
        self.features = features
        guard network.frozenEncoder != nil else {
            cache = nil
            return
        }
        var blocks: [Tensor<Float>] = []
        for start in stride(from: 0, to: graphs.count, by: 512) {
            let batch = graphs.batch(Array(start..<min(graphs.count, start + 512)), features: features)
            switch network.input(batch) {
            case .graphs(let encoded): blocks.append(encoded.atomFeatures)
            case .embeddings(let block): blocks.append(block)
            }
        }
        cache = blocks.count == 1 ? blocks[0] : Tensor.concat(blocks, axis: 0)
    }

    /// Fresh weights and buffers of member seed `seed`; a head's input scaling from the crystals `train`.
    func initialize(seed: UInt64, train: [Int]) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        var (parameters, buffers) = network.initialize(seed: seed)
        if case .head = network, let cache, !train.isEmpty {
            let scaling = EmbeddingHead.scaling(of: cache.gather(rows: train.map(Int32.init)))
            buffers["input.mean"] = scaling.mean
            buffers["input.std"] = scaling.std
        }
        return (parameters, buffers)
    }

    /// One [crystals, outputs] tensor per target for `crystals`.
    func outputs(
        _ crystals: [Int], _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> [Tensor<Float>] {
        let input: ModelNetwork.Input
        switch (network, cache) {
        case (.head, let cache?):
            input = .embeddings(cache.gather(rows: crystals.map(Int32.init)))
        case (.negnn, let cache?):
            var batch = graphs.batch(crystals, features: features)
            batch.atomFeatures = cache.gather(rows: crystals.flatMap { graphs.atoms(of: $0).map(Int32.init) })
            input = .graphs(batch)
        default:
            input = network.input(graphs.batch(crystals, features: features))
        }
        return network.outputs(input, parameters, buffers: &buffers, training: training)
    }
}
