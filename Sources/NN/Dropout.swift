import Tensor

/// Inverted dropout: in training, each element is zeroed with probability p and the rest scaled by
/// 1/(1 − p), from a seeded generator, so a run is reproducible; in evaluation, the identity.
public struct Dropout: Sendable {
    public let probability: Double

    public init(probability: Double) {
        precondition((0..<1).contains(probability), "Dropout: probability \(probability) not in [0, 1)")
        self.probability = probability
    }

    public func callAsFunction<S>(_ x: Tensor<S>, training: Bool, using generator: inout SeededGenerator) -> Tensor<S> {
        guard training && probability > 0 else { return x }
        let keep = S(1 / (1 - probability))
        let mask = (0..<x.count).map { _ in Double.random(in: 0..<1, using: &generator) < probability ? 0 : keep }
        return x * Tensor(shape: x.shape, values: mask)
    }
}
