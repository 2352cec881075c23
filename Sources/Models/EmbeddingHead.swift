import NN
import Tensor

/// A small network on fixed crystal embeddings, for fast screening with a frozen encoder: inputs standardised
/// with the training set's per-column mean and standard deviation (kept as buffers `input.mean`, `input.std`),
/// then Linear → softplus → Linear (`head.0`, `head.1`), or one Linear (`head.0`) with no hidden layer, which
/// is what ridge regression fits in closed form (`RidgeRegression`).
///
/// The last layer's outputs are split into the heads in order: one value per regression head, log-probabilities
/// per classification head.
public struct EmbeddingHead: Sendable {
    public struct Configuration: Sendable, Hashable, Codable {
        /// Embedding width.
        public var inputs: Int
        /// Hidden width; 0 for a linear model.
        public var hidden = 64
        public var heads: [CGCNN.Head] = [CGCNN.Head()]

        public init(inputs: Int, hidden: Int = 64, heads: [CGCNN.Head] = [CGCNN.Head()]) {
            self.inputs = inputs
            self.hidden = hidden
            self.heads = heads
        }

        /// Outputs of all heads together.
        public var outputs: Int { heads.reduce(0) { $0 + $1.outputs } }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    private var mlp: MLP {
        let c = configuration
        return MLP(
            "head", widths: c.hidden > 0 ? [c.inputs, c.hidden, c.outputs] : [c.inputs, c.outputs],
            activation: .softplus)
    }

    /// Fresh parameters (as PyTorch initialises `nn.Linear`) and the identity input scaling.
    public func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        var generator = SeededGenerator(seed: seed)
        var parameters = Parameters<Float>()
        mlp.initialize(&parameters, using: &generator)
        var buffers = Parameters<Float>()
        buffers["input.mean"] = Tensor(repeating: 0, shape: [configuration.inputs])
        buffers["input.std"] = Tensor(repeating: 1, shape: [configuration.inputs])
        return (parameters, buffers)
    }

    /// `buffers` with the input scaling of the rows of `embeddings` [n, inputs] (a column with no spread keeps 1).
    public static func scaling(of embeddings: Tensor<Float>) -> (mean: Tensor<Float>, std: Tensor<Float>) {
        let (n, d) = (embeddings.shape[0], embeddings.shape[1])
        var mean = [Double](repeating: 0, count: d)
        var square = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d {
                let x = Double(embeddings.values[i * d + j])
                mean[j] += x
                square[j] += x * x
            }
        }
        var std = [Float](repeating: 1, count: d)
        for j in 0..<d {
            mean[j] /= Double(max(n, 1))
            let variance = square[j] / Double(max(n, 1)) - mean[j] * mean[j]
            if variance > 1e-12 { std[j] = Float(variance.squareRoot()) }
        }
        return (Tensor(shape: [d], values: mean.map { Float($0) }), Tensor(shape: [d], values: std))
    }

    /// Standardised inputs: (x − mean) / std for x [n, inputs].
    public func standardized(_ embeddings: Tensor<Float>, buffers: Parameters<Float>) -> Tensor<Float> {
        (embeddings - buffers["input.mean"]) / buffers["input.std"]
    }

    /// One [crystals, outputs] tensor per head from embeddings [crystals, inputs].
    public func callAsFunction(
        _ embeddings: Tensor<Float>, _ parameters: Parameters<Float>, buffers: Parameters<Float>
    ) -> [Tensor<Float>] {
        precondition(
            embeddings.rank == 2 && embeddings.shape[1] == configuration.inputs,
            "EmbeddingHead: embeddings \(embeddings.shape), expects [n, \(configuration.inputs)]")
        let out = mlp(standardized(embeddings, buffers: buffers), parameters)
        var start = 0
        return configuration.heads.map { head in
            let part = out.narrow(axis: 1, range: start..<(start + head.outputs))
            start += head.outputs
            return head.classification ? part.logSoftmax() : part
        }
    }
}
