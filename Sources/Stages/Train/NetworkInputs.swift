import Models
import NN
import Tensor

/// What a model in training reads for a list of crystals of the training data: graph batches, passed through
/// the frozen encoder for NEGNN models; for head models, the crystal embeddings, computed once up front.
struct NetworkInputs {
    let network: ModelNetwork
    let graphs: GraphSet
    let features: AtomFeatures
    /// Head models: every crystal's embedding [crystals, inputs] (row i is crystal i), nil otherwise.
    let embeddings: Tensor<Float>?

    /// Prepares the inputs of `network` for the crystals of `graphs`.
    ///
    /// Head models embed every crystal here, in blocks of 512, split over `Parallelism.threads`.
    init(network: ModelNetwork, graphs: GraphSet, features: AtomFeatures) {
        self.network = network
        self.graphs = graphs
        self.features = features
        guard case .head = network else {
            embeddings = nil
            return
        }
        var rows: [Tensor<Float>] = []
        for start in stride(from: 0, to: graphs.count, by: 512) {
            let batch = graphs.batch(Array(start..<min(graphs.count, start + 512)), features: features)
            if case .embeddings(let block) = network.input(batch) { rows.append(block) }
        }
        embeddings = rows.count == 1 ? rows[0] : Tensor.concat(rows, axis: 0)
    }

    /// Fresh weights and buffers of member seed `seed`; a head's input scaling from the crystals `train`.
    func initialize(seed: UInt64, train: [Int]) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        var (parameters, buffers) = network.initialize(seed: seed)
        if let embeddings, !train.isEmpty {
            let scaling = EmbeddingHead.scaling(of: embeddings.gather(rows: train.map(Int32.init)))
            buffers["input.mean"] = scaling.mean
            buffers["input.std"] = scaling.std
        }
        return (parameters, buffers)
    }

    /// One [crystals, outputs] tensor per target for `crystals`.
    func outputs(
        _ crystals: [Int], _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> [Tensor<Float>] {
        let input =
            embeddings.map { ModelNetwork.Input.embeddings($0.gather(rows: crystals.map(Int32.init))) }
            ?? network.input(graphs.batch(crystals, features: features))
        return network.outputs(input, parameters, buffers: &buffers, training: training)
    }
}
