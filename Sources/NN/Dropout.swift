import Foundation
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

/// A lookup table of learned vectors: row i of `<name>.weight` [count, width] for index i.
public struct Embedding: Sendable {
    public let name: String
    public let count: Int
    public let width: Int

    public init(_ name: String, count: Int, width: Int) {
        self.name = name
        self.count = count
        self.width = width
    }

    /// Adds the table, initialised standard normal as PyTorch does (Box–Muller on the seeded generator).
    public func initialize<S>(_ parameters: inout Parameters<S>, using generator: inout SeededGenerator) {
        let values = (0..<(count * width)).map { _ in S(generator.nextStandardNormal()) }
        parameters["\(name).weight"] = Tensor(shape: [count, width], values: values)
    }

    /// indices [n] → [n, width].
    public func callAsFunction<S>(_ indices: [Int32], _ parameters: Parameters<S>) -> Tensor<S> {
        parameters["\(name).weight"].gather(rows: indices)
    }
}
